import type { Confidence, FindingClass, ScanReport, Severity } from '@mcphub/scanner';

/**
 * The certification score (DESIGN.md §6), deterministic and versioned. Worked examples are in
 * daemon/docs/scoring.md; change `SCORING_VERSION` whenever a number here changes.
 */
export const SCORING_VERSION = '2026.11-1';

/** Class weights of the Security sub-score; they sum to 100. L and M are gates, not weights. */
export const CLASS_WEIGHTS: Record<FindingClass, number> = {
  A: 22,
  B: 13,
  C: 10,
  D: 10,
  E: 10,
  F: 8,
  G: 8,
  H: 5,
  I: 4,
  J: 3,
  K: 3,
  L: 0,
  M: 0,
  N: 4,
};
export const SEVERITY_FACTOR: Record<Severity, number> = {
  critical: 1,
  high: 0.6,
  medium: 0.3,
  low: 0.1,
  info: 0,
};
export const CONFIDENCE_FACTOR: Record<Confidence, number> = { high: 1, medium: 0.7, low: 0.4 };
/** Supply-chain points lost per N finding (before the confidence factor). */
export const SUPPLY_CHAIN_PENALTY: Record<Severity, number> = {
  critical: 40,
  high: 25,
  medium: 10,
  low: 3,
  info: 0,
};

export interface ScoredFinding {
  id: string;
  class: FindingClass;
  severity: Severity;
  confidence: Confidence;
}

export interface MaturitySignal {
  id: string;
  label: string;
  points: number;
  met: boolean;
}

export interface ScoreBreakdown {
  scoringVersion: string;
  global: number;
  security: number;
  supplyChain: number;
  maturity: number;
  byClass: { class: FindingClass; weight: number; deducted: number; findings: number }[];
  maturitySignals: MaturitySignal[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function securityScore(findings: readonly ScoredFinding[]): {
  score: number;
  byClass: ScoreBreakdown['byClass'];
} {
  const byClass = (Object.keys(CLASS_WEIGHTS) as FindingClass[]).map((cls) => {
    const weight = CLASS_WEIGHTS[cls];
    const mine = findings.filter((f) => f.class === cls);
    const raw = mine.reduce(
      (sum, f) => sum + weight * SEVERITY_FACTOR[f.severity] * CONFIDENCE_FACTOR[f.confidence],
      0,
    );
    return { class: cls, weight, deducted: round1(Math.min(weight, raw)), findings: mine.length };
  });
  const deducted = byClass.reduce((s, c) => s + c.deducted, 0);
  return { score: round1(Math.max(0, 100 - deducted)), byClass };
}

export function supplyChainScore(findings: readonly ScoredFinding[]): number {
  const lost = findings
    .filter((f) => f.class === 'N')
    .reduce((sum, f) => sum + SUPPLY_CHAIN_PENALTY[f.severity] * CONFIDENCE_FACTOR[f.confidence], 0);
  return round1(Math.max(0, 100 - lost));
}

const has = (paths: string[], re: RegExp) => paths.some((p) => re.test(p));

/** Maturity comes from the package itself, never from findings, so a finding cannot raise it. */
export function maturitySignals(report: Pick<ScanReport, 'files' | 'surface'>): MaturitySignal[] {
  const paths = report.files.map((f) => f.path.toLowerCase());
  const tools = report.surface.tools;
  const params = tools.flatMap((t) => t.parameters);
  return [
    { id: 'readme', label: 'Has a README', points: 15, met: has(paths, /(^|\/)readme(\.\w+)?$/) },
    {
      id: 'license',
      label: 'Has a LICENSE',
      points: 15,
      met: has(paths, /(^|\/)(license|licence|copying)(\.\w+)?$/),
    },
    {
      id: 'tests',
      label: 'Has tests',
      points: 20,
      met: has(
        paths,
        /(^|\/)(tests?|__tests__|spec)\/|[._-](test|spec)\.\w+$|_test\.go$|(^|\/)test_\w+\.py$/,
      ),
    },
    {
      id: 'lockfile',
      label: 'Pins dependencies with a lockfile',
      points: 15,
      met: has(
        paths,
        /(^|\/)(package-lock\.json|pnpm-lock\.yaml|yarn\.lock|poetry\.lock|uv\.lock|go\.sum|requirements\.txt)$/,
      ),
    },
    {
      id: 'tool-descriptions',
      label: 'Every tool has a description',
      points: 20,
      met: tools.length > 0 && tools.every((t) => (t.description ?? '').trim().length >= 10),
    },
    {
      id: 'typed-parameters',
      label: 'Every tool parameter has a declared type',
      points: 15,
      met: params.every((p) => p.type !== 'unknown'),
    },
  ];
}

/** Global = 0.5 Security + 0.3 Supply chain + 0.2 Maturity, each 0–100, one decimal. */
export function scoreReport(report: Pick<ScanReport, 'files' | 'surface' | 'findings'>): ScoreBreakdown {
  const findings = report.findings;
  const { score: security, byClass } = securityScore(findings);
  const supplyChain = supplyChainScore(findings);
  const signals = maturitySignals(report);
  const maturity = signals.reduce((s, m) => s + (m.met ? m.points : 0), 0);
  return {
    scoringVersion: SCORING_VERSION,
    global: round1(0.5 * security + 0.3 * supplyChain + 0.2 * maturity),
    security,
    supplyChain,
    maturity,
    byClass,
    maturitySignals: signals,
  };
}
