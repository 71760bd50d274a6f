/** Function summaries: which parameters reach which sinks, and which reach the return value. */
import type { SyntaxNode } from 'tree-sitter';
import type { CallView } from '../detectors/api.js';
import type { TraceStep } from '../types.js';
import type { FileContext } from './file-context.js';
import type { Label } from './labels.js';
import type { CompiledSink } from './rules.js';

export interface SummarySink {
  paramIndex: number;
  sink: CompiledSink;
  file: FileContext;
  node: SyntaxNode;
  steps: readonly TraceStep[];
  sanitized: readonly string[];
  note?: string;
  argvTail?: boolean;
}

/**
 * A sink call whose arguments are (partly) this function's parameters, passed through unchanged:
 * `def run(cmd): subprocess.run(cmd)`. Callers substitute their own argument expressions and
 * evaluate the sink's shape there, so `run(["git", "--", url])` is judged by its literal argv.
 */
export interface CallTemplate {
  call: CallView;
  file: FileContext;
  positions: { pos: number | string; paramIndex: number; spread?: boolean }[];
}

/** A parameter the function validates before returning normally (`if not RE.fullmatch(x): raise`). */
export interface Validation {
  paramIndex: number;
  clears: readonly string[] | 'all';
}

export interface Summary {
  sinks: SummarySink[];
  templates: CallTemplate[];
  /** Raising validators: after a normal return, these arguments are validated. */
  validates?: Validation[];
  /** Boolean validators (`return x in ALLOWED`): true means the argument is valid. */
  boolValidates?: number[];
  returns: { paramIndex: number; sanitized: readonly string[] }[];
  /** Real sources a function returns (`def get_cmd(): return request.args["c"]`). */
  returnSources: Label[];
}

/** A cheap fingerprint, used to detect when the summary fixpoint has converged. */
export function summaryFingerprint(s: Summary): string {
  return [
    ...s.sinks.map(
      (x) => `s${x.paramIndex}:${x.sink.detector.id}:${x.node.startIndex}:${x.sanitized.join(',')}`,
    ),
    ...s.templates.map(
      (t) => `t${t.call.node.startIndex}:${t.positions.map((p) => `${p.pos}=${p.paramIndex}`).join(',')}`,
    ),
    ...(s.validates ?? []).map((v) => `v${v.paramIndex}:${v.clears === 'all' ? 'all' : v.clears.join(',')}`),
    ...(s.boolValidates ?? []).map((i) => `b${i}`),
    ...s.returns.map((r) => `r${r.paramIndex}:${r.sanitized.join(',')}`),
    ...s.returnSources.map((l) => `o${l.origin.kind}:${l.origin.line}:${l.origin.column}`),
  ]
    .sort()
    .join('|');
}
