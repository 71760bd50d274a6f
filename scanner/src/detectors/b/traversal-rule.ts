/** The taint rule shared by MCP-B001 (no containment check) and MCP-B003 (a check that can be bypassed). */
import type { SyntaxNode } from 'tree-sitter';
import type { ArgRef, CallView, NodeQuery, SinkSpec, TaintRule } from '../api.js';
import {
  containedIdiom,
  FS_SINKS,
  inArchiveWalk,
  OP_TEXT,
  PATH_CHECK,
  PATH_GUARDS,
  PATH_SANITIZERS,
  textBefore,
} from './path-shapes.js';
import { containsPathCheck, PATH_VALIDATOR_NAME, validatedByHelper } from './validator-helpers.js';

/** express `res.sendFile(name, { root })`: `send` refuses paths that leave root. */
function containedByOptions(call: CallView, q: NodeQuery): boolean {
  if (!/sendFile$|download$/.test(call.callee)) return false;
  const opts = call.args[1];
  return !!opts && q.property(opts, 'root') !== null;
}

/** `FILES.get(name)` on a literal dict/object/Map: the key only selects one of the server's own paths. */
function fromLiteralTable(node: SyntaxNode, q: NodeQuery): boolean {
  const n = q.resolve(node);
  if (!/call/.test(n.type)) return false;
  const callee = n.childForFieldName('function');
  const object = callee?.childForFieldName('object') ?? callee?.childForFieldName('operand');
  const method =
    callee?.childForFieldName('attribute') ??
    callee?.childForFieldName('property') ??
    callee?.childForFieldName('field');
  if (!object || method?.text !== 'get') return false;
  const table = q.resolve(object);
  return /^(dictionary|object)$/.test(table.type) || /^new Map\(\s*\[/.test(table.text);
}

function argNodes(call: CallView, refs: readonly ArgRef[]): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const ref of refs) {
    const node =
      typeof ref === 'number'
        ? call.args[ref]
        : ref === 'receiver'
          ? call.receiver
          : 'kw' in ref
            ? call.kwargs.get(ref.kw)
            : undefined;
    if (node) out.push(node);
  }
  return out;
}

/** Why a containment check in `before` does not hold, for the B003 message. */
export function weakReason(before: string): string {
  if (
    /['"]\.\.\/?['"]\s+(?:not\s+)?in\b|\.includes\(\s*['"`]\.\.|Contains\([^)]*"\.\.|\.indexOf\(\s*['"`]\.\./.test(
      before,
    )
  ) {
    return 'the check looks for ".." in the raw input; absolute paths, other separators or symlinks still escape';
  }
  const prefix = before.match(/(?:startsWith|startswith|HasPrefix)\([^\n]*/g) ?? [];
  if (
    prefix.length > 0 &&
    !prefix.some((p) => /sep\b|Separator|['"`]\/['"`]|\/['"`]\s*\)|['"`]\.\./.test(p))
  ) {
    return 'prefix test without a trailing separator: "/srv/data-evil" passes for "/srv/data"';
  }
  if (/filepath\.Rel\(/.test(before) && !/"\.\."/.test(before))
    return 'the filepath.Rel result is never checked for ".."';
  if (!/realpath|\.resolve\(\)|EvalSymlinks/.test(before)) {
    return 'the path is not resolved with realpath first: the check is lexical, so a symlink inside the root leads out of it';
  }
  return 'the checked value is not the one that is used, or it is checked before it is normalised';
}

/**
 * `const ROOT = '/srv/data/'; … if (!real.startsWith(ROOT)) throw`: the prefix constant already ends
 * with the separator, which the guard patterns (text of the condition) cannot see.
 */
function prefixEndsWithSeparator(sink: SyntaxNode, before: string, q: NodeQuery): boolean {
  if (!/realpath|\.resolve\(\)|EvalSymlinks|filepath\.(?:Join|Clean|Abs)\(/.test(before)) return false;
  let fn: SyntaxNode | null = sink.parent;
  while (fn && !/function|method|func_literal|arrow|lambda/.test(fn.type)) fn = fn.parent;
  if (!fn) return false;
  for (const c of fn.descendantsOfType(['call_expression', 'call'])) {
    if (c.startIndex >= sink.startIndex) break;
    const callee = c.childForFieldName('function')?.text ?? '';
    const m = /(?:\.startsWith|\.startswith|strings\.HasPrefix)$/.exec(callee);
    if (!m) continue;
    const args = c.childForFieldName('arguments')?.namedChildren ?? [];
    const prefix = callee.endsWith('HasPrefix') ? args[1] : args[0];
    const value = prefix ? q.stringValue(prefix) : null;
    if (value !== null && /[/\\]$/.test(value)) return true;
  }
  return false;
}

export function traversalRule(withCheck: boolean, message: (op: string) => string): TaintRule {
  const sinks: SinkSpec[] = FS_SINKS.map((s) => ({
    languages: s.languages,
    callee: s.callee,
    pick: (call, q) => {
      const note = withCheck ? weakReason(textBefore(call.node)) : undefined;
      return argNodes(call, s.args)
        .filter((node) => !fromLiteralTable(node, q))
        .map((node) => (note ? { node, note } : { node }));
    },
    message: message(OP_TEXT[s.op]),
    when: (call, q) => {
      if (s.when && !s.when(call)) return false;
      if (containedByOptions(call, q) || inArchiveWalk(call.node)) return false;
      const before = textBefore(call.node);
      if (
        containedIdiom(before) ||
        validatedByHelper(call.node, before, containsPathCheck, PATH_VALIDATOR_NAME) ||
        prefixEndsWithSeparator(call.node, before, q)
      )
        return false;
      return PATH_CHECK.test(before) === withCheck;
    },
  }));
  return {
    sinkKind: 'path',
    sinks,
    sanitizers: PATH_SANITIZERS,
    guards: PATH_GUARDS,
  };
}
