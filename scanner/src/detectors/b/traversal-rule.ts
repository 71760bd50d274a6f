/** The taint rule shared by MCP-B001 (no containment check) and MCP-B003 (a check that can be bypassed). */
import type { CallView, NodeQuery, SinkSpec, TaintRule } from '../api.js';
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
import { containsPathCheck, validatedByHelper } from './validator-helpers.js';

/** express `res.sendFile(name, { root })`: `send` refuses paths that leave root. */
function containedByOptions(call: CallView, q: NodeQuery): boolean {
  if (!/sendFile$|download$/.test(call.callee)) return false;
  const opts = call.args[1];
  return !!opts && q.property(opts, 'root') !== null;
}

export function traversalRule(withCheck: boolean, message: (op: string) => string): TaintRule {
  const sinks: SinkSpec[] = FS_SINKS.map((s) => ({
    languages: s.languages,
    callee: s.callee,
    args: s.args,
    message: message(OP_TEXT[s.op]),
    when: (call, q) => {
      if (s.when && !s.when(call)) return false;
      if (containedByOptions(call, q) || inArchiveWalk(call.node)) return false;
      const before = textBefore(call.node);
      if (containedIdiom(before) || validatedByHelper(call.node, before, containsPathCheck)) return false;
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
