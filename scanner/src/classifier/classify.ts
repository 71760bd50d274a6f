/**
 * The tool-description classifier: a transparent weighted sum of features (features.ts).
 * score = Σ weight(feature present); poisoned when score ≥ THRESHOLD.
 * Confidence grows with the margin over the threshold.
 */
import type { Confidence } from '../types.js';
import { extractFeatures, FEATURES, type FeatureHit } from './features.js';

export const THRESHOLD = 3;

export interface Classification {
  label: 'poisoned' | 'clean';
  score: number;
  /** Only meaningful for 'poisoned'. */
  confidence: Confidence;
  features: FeatureHit[];
}

const WEIGHTS = new Map(FEATURES.map((f) => [f.id, f.weight]));

export function classifyDescription(text: string): Classification {
  const features = extractFeatures(text);
  const score = features.reduce((s, f) => s + (WEIGHTS.get(f.id) ?? 0), 0);
  const label = score >= THRESHOLD ? 'poisoned' : 'clean';
  const confidence: Confidence =
    score >= THRESHOLD + 3 ? 'high' : score >= THRESHOLD + 1.5 ? 'medium' : 'low';
  return { label, score, confidence, features };
}

export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  precision: number;
  recall: number;
  accuracy: number;
}

export function confusionMatrix(
  items: readonly { text: string; label: 'poisoned' | 'clean' }[],
): ConfusionMatrix {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const item of items) {
    const predicted = classifyDescription(item.text).label;
    if (predicted === 'poisoned' && item.label === 'poisoned') tp++;
    else if (predicted === 'poisoned') fp++;
    else if (item.label === 'poisoned') fn++;
    else tn++;
  }
  return {
    tp,
    fp,
    tn,
    fn,
    precision: tp / Math.max(1, tp + fp),
    recall: tp / Math.max(1, tp + fn),
    accuracy: (tp + tn) / Math.max(1, items.length),
  };
}

/** Markdown rendering of the matrix, as pasted into the scanner README. */
export function formatMatrix(m: ConfusionMatrix): string {
  return [
    '| | predicted poisoned | predicted clean |',
    '|---|---:|---:|',
    `| **poisoned** | ${m.tp} (TP) | ${m.fn} (FN) |`,
    `| **clean** | ${m.fp} (FP) | ${m.tn} (TN) |`,
    '',
    `precision ${m.precision.toFixed(3)} · recall ${m.recall.toFixed(3)} · accuracy ${m.accuracy.toFixed(3)}`,
  ].join('\n');
}
