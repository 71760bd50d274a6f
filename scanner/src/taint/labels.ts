/** Taint values: a set of labels, each remembering where it came from and how it got here. */
import type { SourceKind } from '../detectors/api.js';
import type { TraceStep } from '../types.js';

export interface Origin {
  /** 'param' labels stand for "whatever the caller passes" while summarising a function. */
  kind: SourceKind | 'param';
  paramIndex?: number;
  tool?: string;
  note: string;
  file: string;
  line: number;
  column: number;
}

export interface Label {
  origin: Origin;
  steps: readonly TraceStep[];
  /** Sink kinds this value was sanitized for. */
  sanitized: readonly string[];
  /** Object fields known to be validated as non-strings (numbers, booleans, enums). */
  safeFields: readonly string[];
}

export type Taint = ReadonlyMap<string, Label>;

export const CLEAN: Taint = new Map();

const MAX_STEPS = 24;

function originKey(o: Origin): string {
  return o.kind === 'param'
    ? `param:${o.paramIndex}`
    : `${o.kind}:${o.file}:${o.line}:${o.column}:${o.tool ?? ''}`;
}

export function labelKey(l: Label): string {
  return `${originKey(l.origin)}|${l.sanitized.join(',')}|${l.safeFields.join(',')}`;
}

export function taintOf(labels: Iterable<Label>): Taint {
  const map = new Map<string, Label>();
  for (const l of labels) addLabel(map, l);
  return map;
}

function addLabel(map: Map<string, Label>, l: Label): void {
  const key = labelKey(l);
  const prev = map.get(key);
  // Keep the shortest trace: it is the easiest for a reviewer to follow.
  if (!prev || l.steps.length < prev.steps.length) map.set(key, l);
}

export function union(...taints: Taint[]): Taint {
  const nonEmpty = taints.filter((t) => t.size > 0);
  if (nonEmpty.length === 0) return CLEAN;
  if (nonEmpty.length === 1) return nonEmpty[0] as Taint;
  const map = new Map<string, Label>();
  for (const t of nonEmpty) for (const l of t.values()) addLabel(map, l);
  return map;
}

export function withStep(t: Taint, step: TraceStep): Taint {
  if (t.size === 0) return t;
  return taintOf(
    [...t.values()].map((l) => (l.steps.length >= MAX_STEPS ? l : { ...l, steps: [...l.steps, step] })),
  );
}

export function mapLabels(t: Taint, fn: (l: Label) => Label | null): Taint {
  if (t.size === 0) return t;
  const out: Label[] = [];
  for (const l of t.values()) {
    const m = fn(l);
    if (m) out.push(m);
  }
  return taintOf(out);
}

export function sanitize(t: Taint, clears: readonly string[] | 'all'): Taint {
  if (clears === 'all') return CLEAN;
  return mapLabels(t, (l) => ({ ...l, sanitized: [...new Set([...l.sanitized, ...clears])].sort() }));
}

export function dropField(t: Taint, field: string): Taint {
  return mapLabels(t, (l) => (l.safeFields.includes(field) ? null : l));
}

export function addSafeField(t: Taint, field: string): Taint {
  return mapLabels(t, (l) => ({ ...l, safeFields: [...new Set([...l.safeFields, field])].sort() }));
}

/** Labels that still matter for a sink of this kind. */
export function liveFor(t: Taint, sinkKind: string): Label[] {
  return [...t.values()].filter((l) => !l.sanitized.includes(sinkKind));
}
