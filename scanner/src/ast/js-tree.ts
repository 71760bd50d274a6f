/**
 * A plain-JavaScript copy of a tree-sitter tree. Every property read on a native node crosses
 * into C++ and allocates a new wrapper; the analyses read `type`, fields and children many times
 * per node, so one cursor walk into JS objects makes a scan several times faster and lets the
 * native tree be freed right after parsing. It implements the part of the `SyntaxNode` API the
 * scanner uses, and is handed out typed as `SyntaxNode`.
 */
import type { Point, SyntaxNode, Tree } from 'tree-sitter';

export interface JsTree {
  text: string;
  rootNode: JsNode;
}

export class JsNode {
  readonly children: JsNode[] = [];
  /** Field name of each child, parallel to `children`. */
  readonly fields: (string | null)[] = [];
  private named: JsNode[] | null = null;
  private descendantCache: Map<string, JsNode[]> | undefined;

  constructor(
    readonly tree: JsTree,
    readonly id: number,
    readonly type: string,
    readonly isNamed: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly startPosition: Point,
    readonly endPosition: Point,
    readonly parent: JsNode | null,
  ) {}

  get text(): string {
    return this.tree.text.slice(this.startIndex, this.endIndex);
  }
  get namedChildren(): JsNode[] {
    if (!this.named) this.named = this.children.filter((c) => c.isNamed);
    return this.named;
  }
  get childCount(): number {
    return this.children.length;
  }
  get namedChildCount(): number {
    return this.namedChildren.length;
  }
  get firstChild(): JsNode | null {
    return this.children[0] ?? null;
  }
  get lastChild(): JsNode | null {
    return this.children[this.children.length - 1] ?? null;
  }
  get firstNamedChild(): JsNode | null {
    return this.namedChildren[0] ?? null;
  }
  get lastNamedChild(): JsNode | null {
    return this.namedChildren[this.namedChildren.length - 1] ?? null;
  }
  get nextSibling(): JsNode | null {
    const s = this.parent?.children;
    return s ? (s[s.indexOf(this) + 1] ?? null) : null;
  }
  get previousSibling(): JsNode | null {
    const s = this.parent?.children;
    return s ? (s[s.indexOf(this) - 1] ?? null) : null;
  }
  get nextNamedSibling(): JsNode | null {
    const s = this.parent?.namedChildren;
    return s ? (s[s.indexOf(this) + 1] ?? null) : null;
  }
  get previousNamedSibling(): JsNode | null {
    const s = this.parent?.namedChildren;
    return s ? (s[s.indexOf(this) - 1] ?? null) : null;
  }
  get isMissing(): boolean {
    return false;
  }
  get hasError(): boolean {
    return this.type === 'ERROR' || this.children.some((c) => c.hasError);
  }
  child(i: number): JsNode | null {
    return this.children[i] ?? null;
  }
  namedChild(i: number): JsNode | null {
    return this.namedChildren[i] ?? null;
  }
  childForFieldName(name: string): JsNode | null {
    const i = this.fields.indexOf(name);
    return i < 0 ? null : (this.children[i] ?? null);
  }
  childrenForFieldName(name: string): JsNode[] {
    return this.children.filter((_, i) => this.fields[i] === name);
  }
  /**
   * Pre-order, the node itself included (as in tree-sitter). Trees are immutable, so results are
   * cached per node and type list: detectors ask the root for the same node types again and again.
   */
  descendantsOfType(types: string | readonly string[]): JsNode[] {
    const key = typeof types === 'string' ? types : types.join('\0');
    let cached = this.descendantCache?.get(key);
    if (!cached) {
      cached = this.collectDescendants(types);
      if (!this.descendantCache) this.descendantCache = new Map();
      this.descendantCache.set(key, cached);
    }
    return cached.slice();
  }

  private collectDescendants(types: string | readonly string[]): JsNode[] {
    const wanted = new Set(typeof types === 'string' ? [types] : types);
    const out: JsNode[] = [];
    const stack: JsNode[] = [this];
    while (stack.length > 0) {
      const n = stack.pop() as JsNode;
      if (wanted.has(n.type)) out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as JsNode);
    }
    return out;
  }
  descendantForPosition(p: Point): JsNode {
    let n: JsNode = this;
    for (;;) {
      const next = n.children.find((c) => before(c.startPosition, p) && !before(c.endPosition, p));
      if (!next || next === n) return n;
      n = next;
    }
  }
  toString(): string {
    const parts = this.children
      .map((c, i) => (c.isNamed ? `${this.fields[i] ? `${this.fields[i]}: ` : ''}${c.toString()}` : null))
      .filter((x) => x !== null);
    return parts.length > 0 ? `(${this.type} ${parts.join(' ')})` : `(${this.type})`;
  }
}

function before(a: Point, b: Point): boolean {
  return a.row < b.row || (a.row === b.row && a.column <= b.column);
}

/** Copies a native tree with one cursor walk. Ids start at `firstId` so they stay unique per scan. */
export function toJsTree(tree: Tree, text: string, firstId: number): { root: SyntaxNode; nextId: number } {
  const holder = { text } as JsTree;
  const cursor = tree.walk();
  let id = firstId;
  const make = (parent: JsNode | null) =>
    new JsNode(
      holder,
      id++,
      cursor.nodeType,
      cursor.nodeIsNamed,
      cursor.startIndex,
      cursor.endIndex,
      cursor.startPosition,
      cursor.endPosition,
      parent,
    );
  const root = make(null);
  holder.rootNode = root;
  let current = root;
  if (cursor.gotoFirstChild()) {
    outer: for (;;) {
      const field = cursor.currentFieldName ?? null;
      const node = make(current);
      current.children.push(node);
      current.fields.push(field);
      if (cursor.gotoFirstChild()) {
        current = node;
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent() || current === root) break outer;
        current = current.parent as JsNode;
      }
    }
  }
  return { root: root as unknown as SyntaxNode, nextId: id };
}
