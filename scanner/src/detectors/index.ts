/** The detector catalogue: one import and one entry per detector. The meta-test checks it. */
import type { Detector } from './api.js';

export const DETECTORS: readonly Detector[] = [];

export function listDetectors(): readonly Detector[] {
  return DETECTORS;
}
