/**
 * Validation guards: `if not re.fullmatch(...): raise`, `if (!ALLOWED.includes(x)) throw`,
 * `if _, ok := allowed[x]; !ok { return }`. Recognised on the condition's text, because the
 * shapes differ per language but read the same.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { GuardSpec } from '../detectors/api.js';
import type { LangAdapter } from '../lang/adapter.js';

export interface GuardMatch {
  targets: SyntaxNode[];
  clears: readonly string[] | 'all';
  requires?: readonly string[];
  derived?: boolean;
  /** 'after': the branch exits, the rest of the block is validated. 'within': the branch is. */
  when: 'after' | 'within';
}

export function exits(adapter: LangAdapter, consequence: SyntaxNode): boolean {
  if (adapter.isExit(consequence)) return true;
  const stmts = consequence.namedChildren.filter((c) => c.type !== 'comment');
  const last = stmts[stmts.length - 1];
  if (!last) return false;
  if (adapter.isExit(last)) return true;
  return last.type === 'expression_statement' && adapter.isExit(last);
}

function othersAreInequalities(parts: string[], part: string): boolean {
  return parts.every((p) => p === part || /^[\w.()]+\s*!==?\s*[\w.()]+$/.test(p));
}

/** Splits at a connective outside parentheses, brackets and strings. */
function splitTop(text: string, connective: RegExp): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (depth === 0 && (i === 0 || /[\s)]/.test(text[i - 1] as string) || '|&'.includes(ch))) {
      const m = connective.exec(text.slice(i));
      if (m) {
        out.push(text.slice(start, i).trim());
        i += m[0].length - 1;
        start = i + 1;
      }
    }
  }
  out.push(text.slice(start).trim());
  return out.filter((p) => p.length > 0);
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

function stripParens(text: string): string {
  let t = text.trim();
  while (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1).trim();
  return t;
}

function candidates(adapter: LangAdapter, roots: SyntaxNode[]): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode, parentIsMemberObject: boolean) => {
    const call = adapter.call(n);
    if (call) {
      // `x.startswith("-")`, `ALLOWED.includes(x)`: the receiver and the arguments are checked.
      const callee = adapter.member(call.calleeNode);
      if (callee) visit(callee.object, false);
      for (const a of [...call.args, ...call.kwargs.values()]) visit(a, false);
      return;
    }
    const member = adapter.member(n);
    if (member) {
      out.push(n);
      visit(member.object, true);
      return;
    }
    if (adapter.isIdentifier(n)) {
      if (!parentIsMemberObject) out.push(n);
      return;
    }
    for (const c of n.namedChildren) visit(c, false);
  };
  for (const r of roots) visit(r, false);
  return out;
}

export function checkGuard(
  adapter: LangAdapter,
  guards: readonly GuardSpec[],
  condition: SyntaxNode,
  initializer: SyntaxNode | null,
  consequence: SyntaxNode,
): GuardMatch | null {
  return checkGuards(adapter, guards, condition, initializer, consequence)[0] ?? null;
}

/** Every guard that the condition satisfies (at most one match per guard spec). */
export function checkGuards(
  adapter: LangAdapter,
  guards: readonly GuardSpec[],
  condition: SyntaxNode,
  initializer: SyntaxNode | null,
  consequence: SyntaxNode,
): GuardMatch[] {
  const found: GuardMatch[] = [];
  if (guards.length === 0) return found;
  // One match per guard spec and alternative: `a not in A or b not in B` validates both a and b.
  const matched = new Set<string>();
  let whole = stripParens(condition.text);
  // `if not (p == root or p.startswith(root + os.sep)): raise`: a negated group whose branch exits
  // leaves its checks holding after the if (leniently for `or`: each alternative is a check).
  const group = /^(?:!|not\s*)\(([\s\S]*)\)$/.exec(whole);
  const outerNot = !!group && balanced(group[1] ?? '');
  if (outerNot) whole = (group?.[1] ?? '').trim();
  // Top-level structure only: in `a || (b && c)` the conjunction sits inside one alternative.
  const disjuncts = splitTop(whole, /^(?:\|\||or\b)/);
  const disjunction = disjuncts.length > 1;
  const parts: string[] = [];
  for (const d of disjuncts) {
    const conj = splitTop(stripParens(d), /^(?:&&|and\b)/);
    // A grouped conjunction inside a disjunction proves nothing about any one of its atoms.
    if (disjunction && conj.length > 1) continue;
    parts.push(...conj.map(stripParens));
  }
  const conjunction = !disjunction && parts.length > 1;
  const branchExits = exits(adapter, consequence);
  for (const [partIndex, part] of parts.entries()) {
    let negated = /^(!|not\s)/.test(part);
    let inner = stripParens(part.replace(/^(!|not\s+)/, ''));
    if (/\bnot in\b/.test(inner)) {
      negated = !negated;
      inner = inner.replace(/\bnot in\b/, 'in');
    }
    // Go's comma-ok idiom: the check lives in the initializer, the condition is just `!ok`.
    if (/^\w+$/.test(inner) && initializer) {
      const rhs = initializer.text.split(/:?=/).slice(1).join('=').trim();
      if (rhs) inner = rhs;
    }
    for (const [guardIndex, g] of guards.entries()) {
      const key = `${guardIndex}|${partIndex}`;
      if (matched.has(key) || !g.pattern.test(inner)) continue;
      const roots = initializer ? [condition, initializer] : [condition];
      const targets = candidates(adapter, roots).filter(
        (n) => inner.includes(n.text) || part.includes(n.text),
      );
      if (targets.length === 0) continue;
      const extra = {
        ...(g.requires ? { requires: g.requires } : {}),
        ...(g.derived ? { derived: true } : {}),
      };
      let when: GuardMatch['when'] | null = null;
      if (outerNot) {
        if (g.meaning === 'valid' && !negated && branchExits) when = 'after';
      } else if (
        g.meaning === 'valid' &&
        negated &&
        branchExits &&
        (!conjunction || othersAreInequalities(parts, part))
      ) {
        // `if (p !== root && !p.startsWith(root + sep)) throw`: after it, p is root or inside it.
        when = 'after';
      } else if (g.meaning === 'valid' && !negated && !disjunction) when = 'within';
      else if (g.meaning === 'invalid' && !negated && branchExits && !conjunction) when = 'after';
      if (when) {
        matched.add(key);
        found.push({ targets, clears: g.clears, when, ...extra });
      }
    }
  }
  return found;
}
