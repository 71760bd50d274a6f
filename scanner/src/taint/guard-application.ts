/**
 * Applying validation guards during the walk: which variables an `if` validates (directly, or
 * the variables a validated value was derived from), for the rest of the block or inside it.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { Language } from '../types.js';
import type { AnalysisHost } from './analyze-function.js';
import { rawPath } from './callee.js';
import type { FileContext } from './file-context.js';
import { checkGuards, exits, type GuardMatch } from './guards.js';
import { addSafeField, mapLabels, sanitize, type Taint } from './labels.js';

export interface GuardContext {
  file: FileContext;
  fn: SyntaxNode | null;
  lang: Language;
  host: AnalysisHost;
  env: Map<string, Taint>;
  lookupDef(name: string): SyntaxNode | undefined;
  readVar(name: string, node: SyntaxNode): Taint;
  walk(node: SyntaxNode): void;
}

export function createGuardApplication(ctx: GuardContext) {
  const { file, fn, lang, host, env, lookupDef, readVar, walk } = ctx;
  const { adapter } = file;

  /** Identifiers a variable was computed from, through its definitions (up to six levels). */
  const derivedFrom = (start: SyntaxNode): string[] => {
    const out = new Set<string>();
    const queue: { node: SyntaxNode; depth: number }[] = [{ node: start, depth: 0 }];
    while (queue.length > 0) {
      const { node, depth: d } = queue.shift() as { node: SyntaxNode; depth: number };
      const idents = adapter.isIdentifier(node)
        ? [node]
        : node.descendantsOfType('identifier').filter((n) => {
            // `os.path.join`: only the head of a member chain names a variable.
            const parent = n.parent ? adapter.member(n.parent) : null;
            return adapter.isIdentifier(n) && (!parent || parent.object.id === n.id);
          });
      for (const id of idents) {
        if (out.has(id.text)) continue;
        out.add(id.text);
        // A destructured name's recorded def can be its own pattern node: look for the assignment then.
        const recorded = lookupDef(id.text);
        const def = recorded && recorded.text !== id.text ? recorded : (multiAssigned(id.text) ?? recorded);
        if (def && d < 6 && def.id !== id.id) queue.push({ node: def, depth: d + 1 });
      }
    }
    return [...out];
  };

  /** `rel, err := filepath.Rel(a, b)`: the call a name got from a multi-target assignment. */
  const multiAssignedMemo = new Map<string, SyntaxNode | undefined>();
  const multiAssigned = (name: string): SyntaxNode | undefined => {
    if (multiAssignedMemo.has(name)) return multiAssignedMemo.get(name);
    const found = findMultiAssigned(name);
    multiAssignedMemo.set(name, found);
    return found;
  };
  const findMultiAssigned = (name: string): SyntaxNode | undefined => {
    const scope = fn ?? file.root;
    for (const n of scope.descendantsOfType([
      'short_var_declaration',
      'assignment_statement',
      'assignment',
      'variable_declarator',
    ])) {
      const asg = adapter.assignment(n);
      if (!asg?.value) continue;
      // `rel, err := f()`, `const { address } = await lookup(host)`: no single def was recorded.
      const pattern = asg.targets.length > 1 || asg.targets.some((t) => !adapter.isIdentifier(t));
      const names = asg.targets.flatMap((t) => adapter.bindingNames(t));
      if (pattern && names.includes(name)) return asg.value;
    }
    return undefined;
  };

  /**
   * `if not is_valid_branch(b): raise`, `if (!isAllowedHost(h)) throw`: a project function whose
   * summary says it is a boolean validator of that argument acts as the guard itself.
   */
  const helperGuards = (condition: SyntaxNode, consequence: SyntaxNode): GuardMatch[] => {
    let n = condition;
    let negated = false;
    for (let i = 0; i < 4; i++) {
      if (n.type === 'parenthesized_expression' && n.namedChildren[0]) n = n.namedChildren[0];
      else if (n.type === 'not_operator' || (n.type === 'unary_expression' && n.text.startsWith('!'))) {
        const inner = n.childForFieldName('argument') ?? n.childForFieldName('operand') ?? n.namedChildren[0];
        if (!inner) break;
        n = inner;
        negated = !negated;
      } else if (n.type === 'await_expression' || n.type === 'await') {
        const inner = n.namedChildren[0];
        if (!inner) break;
        n = inner;
      } else break;
    }
    const raw = adapter.call(n);
    if (!raw) return [];
    const view = {
      node: n,
      language: lang,
      callee: rawPath(raw.calleeNode, adapter),
      rawCallee: rawPath(raw.calleeNode, adapter),
      args: raw.args,
      kwargs: raw.kwargs,
      receiver: raw.receiver,
      isNew: raw.isNew,
    };
    const when = negated ? (exits(adapter, consequence) ? 'after' : null) : 'within';
    if (!when) return [];
    const out: GuardMatch[] = [];
    for (const target of host.resolveCall(file, view)) {
      const first = target.params[0]?.name;
      const offset =
        target.isMethod && lang === 'python' && (first === 'self' || first === 'cls') && raw.receiver ? 1 : 0;
      for (const index of host.summaryOf(target)?.boolValidates ?? []) {
        const arg = raw.args[index - offset];
        if (arg) out.push({ targets: [arg], clears: 'all', when });
      }
    }
    return out;
  };

  /** Returns what to run after the if-statement, and whether the consequence was already walked. */
  const applyGuard = (
    node: SyntaxNode,
    condition: SyntaxNode,
    consequence: SyntaxNode,
  ): { walked: boolean; after: () => void } | null => {
    const initializer = node.childForFieldName('initializer');
    let matches = checkGuards(adapter, host.rules.guards(lang), condition, initializer, consequence);
    if (matches.length === 0) matches = helperGuards(condition, consequence);
    if (matches.length === 0) return null;
    const clear = (t: Taint, guard: GuardMatch): Taint => {
      const requires = guard.requires ?? [];
      if (requires.length === 0 || guard.clears === 'all') return sanitize(t, guard.clears);
      const clears = guard.clears;
      return mapLabels(t, (l) =>
        requires.every((r) => l.sanitized.includes(r))
          ? { ...l, sanitized: [...new Set([...l.sanitized, ...clears])].sort() }
          : l,
      );
    };
    /** For `derived` guards: the variables behind each target, with a node to anchor new labels. */
    const namesOf = (guard: GuardMatch): { name: string; node: SyntaxNode; checked: boolean }[] => {
      if (!guard.derived || guard.clears === 'all') return [];
      const out: { name: string; node: SyntaxNode; checked: boolean }[] = [];
      const requires = guard.requires ?? [];
      for (const target of guard.targets) {
        let root = target;
        for (let m = adapter.member(root); m; m = adapter.member(root)) root = m.object;
        if (!adapter.isIdentifier(root)) continue;
        // The checked value met the requirement (e.g. it was realpath'd): what it came from is covered too.
        const labels = [...readVar(root.text, root).values()];
        const checked =
          labels.length > 0 && labels.every((l) => requires.every((r) => l.sanitized.includes(r)));
        for (const name of derivedFrom(root)) out.push({ name, node: root, checked });
      }
      return out;
    };
    const sanitizeNames = (guard: GuardMatch) => {
      for (const target of guard.targets) {
        const member = adapter.member(target);
        if (member && adapter.isIdentifier(member.object) && guard.clears === 'all') {
          const name = member.object.text;
          env.set(name, addSafeField(readVar(name, member.object), member.property));
        } else if (adapter.isIdentifier(target)) {
          env.set(target.text, clear(readVar(target.text, target), guard));
        }
      }
      for (const n of namesOf(guard)) {
        const t = readVar(n.name, n.node);
        env.set(n.name, n.checked ? sanitize(t, guard.clears) : clear(t, guard));
      }
    };
    const after = matches.filter((g) => g.when === 'after');
    const within = matches.filter((g) => g.when === 'within');
    const runAfter = () => {
      for (const g of after) sanitizeNames(g);
    };
    if (within.length === 0) return { walked: false, after: runAfter };
    const saved = new Map<string, Taint | undefined>();
    for (const g of within) {
      const names = [
        ...g.targets.filter((t) => adapter.isIdentifier(t)).map((t) => t.text),
        ...namesOf(g).map((n) => n.name),
      ];
      for (const name of names) if (!saved.has(name)) saved.set(name, env.get(name));
    }
    for (const g of within) sanitizeNames(g);
    walk(consequence);
    for (const [name, t] of saved) {
      if (t) env.set(name, t);
      else env.delete(name);
    }
    return { walked: true, after: runAfter };
  };

  return { applyGuard };
}
