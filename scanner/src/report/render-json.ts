import type { ScanReport } from '../types.js';

/** Sorted keys at every level, so two runs over the same input differ only inside `run`. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

export function renderJson(report: ScanReport): string {
  return `${JSON.stringify(canonical(report), null, 2)}\n`;
}
