/**
 * What the language-neutral engine needs to know about one grammar. Each language implements
 * this once; the taint engine, the surface extractors and the detectors only talk to it.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { Language } from '../types.js';

export interface ParamInfo {
  index: number;
  /** The parameter's own name, or null when it is a destructuring pattern. */
  name: string | null;
  /** Every name the parameter binds (one, or several for `{a, b}`). */
  names: string[];
  node: SyntaxNode;
  typeText: string | null;
  /** `*args`, `...rest`, `xs ...T`: receives every remaining argument. */
  variadic: boolean;
}

export interface AssignInfo {
  targets: SyntaxNode[];
  value: SyntaxNode | null;
  /** `+=` and friends: the target keeps its old taint. */
  augmented: boolean;
}

export interface RawCall {
  node: SyntaxNode;
  calleeNode: SyntaxNode;
  args: SyntaxNode[];
  kwargs: Map<string, SyntaxNode>;
  receiver: SyntaxNode | null;
  isNew: boolean;
}

export interface ImportBinding {
  /** What the local name stands for, e.g. `child_process.exec` or `os/exec`. */
  target: string;
  /** Imported from a file of the scanned project (relative path, local Go package). */
  local: boolean;
}

export interface LangAdapter {
  language: Language;
  commentPrefixes: readonly string[];
  functionTypes: ReadonlySet<string>;
  functionName(fn: SyntaxNode): string | null;
  functionParams(fn: SyntaxNode): ParamInfo[];
  functionBody(fn: SyntaxNode): SyntaxNode | null;
  call(node: SyntaxNode): RawCall | null;
  assignment(node: SyntaxNode): AssignInfo | null;
  bindingNames(target: SyntaxNode): string[];
  imports(root: SyntaxNode): Map<string, ImportBinding>;
  /** `a.b` → {object: a, property: 'b'}; also constant-string subscripts `a['b']`. */
  member(node: SyntaxNode): { object: SyntaxNode; property: string } | null;
  isIdentifier(node: SyntaxNode): boolean;
  /** A leaf constant: plain string, number, boolean, null/None/nil. */
  isLiteral(node: SyntaxNode): boolean;
  stringValue(node: SyntaxNode): string | null;
  booleanValue(node: SyntaxNode): boolean | null;
  elements(node: SyntaxNode): SyntaxNode[] | null;
  property(node: SyntaxNode, key: string): SyntaxNode | null;
  /** For a return statement: its value node (or null for a bare return); undefined otherwise. */
  returnValue(node: SyntaxNode): SyntaxNode | null | undefined;
  /** Loop variable bindings: `for x in xs`, `for (const x of xs)`, `for _, x := range xs`. */
  forBinding(node: SyntaxNode): { targets: SyntaxNode[]; iterable: SyntaxNode } | null;
  /** if-statement parts, for guard recognition. */
  ifParts(node: SyntaxNode): { condition: SyntaxNode; consequence: SyntaxNode } | null;
  /** Statements that leave the current block: return, throw/raise, panic, continue. */
  isExit(node: SyntaxNode): boolean;
}
