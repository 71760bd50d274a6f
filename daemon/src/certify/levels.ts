import type { ScoreBreakdown, ScoredFinding } from './score.js';

export type Level = 0 | 1 | 2 | 3;
export const LEVEL_NAMES: Record<Level, string> = {
  0: 'Integrity Verified',
  1: 'Static Verified',
  2: 'Security Certified',
  3: 'Runtime Certified',
};

export interface LevelDecision {
  level: Level;
  name: string;
  /** Why the next level up was not reached (empty at level 3). */
  blockedBy: string[];
}

export interface RuntimeCheckResult {
  passed: boolean;
  reason?: string;
}

/**
 * Gate findings are those of medium or high confidence: a low-confidence hit still costs points,
 * but cannot on its own deny a level (see docs/scoring.md).
 */
const gating = (f: ScoredFinding) => f.confidence !== 'low';

export function decideLevel(
  score: Pick<ScoreBreakdown, 'global'>,
  findings: readonly ScoredFinding[],
  runtime: RuntimeCheckResult | null,
): LevelDecision {
  const gate = findings.filter(gating);
  const critical = gate.filter((f) => f.severity === 'critical').length;
  const high = gate.filter((f) => f.severity === 'high').length;
  const lifecycleOrNetwork = gate.filter(
    (f) => (f.class === 'L' || f.class === 'M') && (f.severity === 'high' || f.severity === 'critical'),
  );

  const reasonsFor: Record<1 | 2 | 3, string[]> = { 1: [], 2: [], 3: [] };
  if (lifecycleOrNetwork.length > 0) {
    const why = `${lifecycleOrNetwork.length} high/critical lifecycle (L) or hidden-network (M) finding(s) cap the level at 0`;
    reasonsFor[1].push(why);
    reasonsFor[2].push(why);
    reasonsFor[3].push(why);
  }
  if (score.global < 60) reasonsFor[1].push(`score ${score.global} < 60`);
  if (critical > 0) reasonsFor[1].push(`${critical} critical finding(s)`);
  if (high > 3) reasonsFor[1].push(`${high} high findings (> 3)`);
  if (score.global < 80) reasonsFor[2].push(`score ${score.global} < 80`);
  if (critical + high > 0) reasonsFor[2].push(`${critical + high} high or critical finding(s)`);
  if (score.global < 90) reasonsFor[3].push(`score ${score.global} < 90`);
  if (critical + high > 0) reasonsFor[3].push(`${critical + high} high or critical finding(s)`);
  if (!runtime) reasonsFor[3].push('no sandboxed runtime check has run');
  else if (!runtime.passed) reasonsFor[3].push(`runtime check failed: ${runtime.reason ?? 'unknown'}`);

  let level: Level = 0;
  for (const candidate of [1, 2, 3] as const) {
    if (reasonsFor[candidate].length > 0) break;
    level = candidate;
  }
  const next = level < 3 ? reasonsFor[(level + 1) as 1 | 2 | 3] : [];
  return { level, name: LEVEL_NAMES[level], blockedBy: next };
}
