/** Function summaries: which parameters reach which sinks, and which reach the return value. */
import type { SyntaxNode } from 'tree-sitter';
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
}

export interface Summary {
  sinks: SummarySink[];
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
    ...s.returns.map((r) => `r${r.paramIndex}:${r.sanitized.join(',')}`),
    ...s.returnSources.map((l) => `o${l.origin.kind}:${l.origin.line}:${l.origin.column}`),
  ]
    .sort()
    .join('|');
}
