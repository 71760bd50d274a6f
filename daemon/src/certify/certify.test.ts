import type { FindingClass, ScanReport } from '@mcphub/scanner';
import { describe, expect, it } from 'vitest';
import { CONTROLS, evaluateControls } from './controls.js';
import { decideLevel } from './levels.js';
import { CLASS_WEIGHTS, type ScoredFinding, scoreReport, securityScore, supplyChainScore } from './score.js';

const CLASSES = Object.keys(CLASS_WEIGHTS) as FindingClass[];
const SEVS = ['critical', 'high', 'medium', 'low', 'info'] as const;
const CONFS = ['high', 'medium', 'low'] as const;

/** A small deterministic PRNG so the property test is reproducible. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
const finding = (
  cls: FindingClass,
  severity: ScoredFinding['severity'],
  confidence: ScoredFinding['confidence'] = 'high',
  n = 0,
) => ({
  id: `${cls}-${severity}-${confidence}-${n}`,
  class: cls,
  severity,
  confidence,
  cwe: cls === 'A' ? ['CWE-78'] : ['CWE-20'],
});

const wellKeptPackage: Pick<ScanReport, 'files' | 'surface'> = {
  files: ['README.md', 'LICENSE', 'package-lock.json', 'src/index.ts', 'test/index.test.ts'].map((path) => ({
    path,
    language: null,
    bytes: 1,
    sha256: 'x',
    status: 'scanned' as const,
  })),
  surface: {
    tools: [
      {
        name: 'read_note',
        description: 'Reads one note by its id',
        parameters: [{ name: 'id', type: 'string', required: true }],
        sdk: 'ts-sdk',
        location: { file: 'src/index.ts', startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
      },
    ],
    transports: [],
    auth: [],
  },
};

describe('score', () => {
  it('class weights sum to 100 so Security spans 0–100', () => {
    expect(Object.values(CLASS_WEIGHTS).reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('is 100 / 100 / 100 for a well-kept package without findings', () => {
    const s = scoreReport({ ...wellKeptPackage, findings: [] });
    expect([s.security, s.supplyChain, s.maturity, s.global]).toEqual([100, 100, 100, 100]);
  });

  it('matches the worked examples of docs/scoring.md', () => {
    // Example 1: one high-confidence critical command injection (A).
    expect(securityScore([finding('A', 'critical')]).score).toBe(78);
    // Example 2: two medium-severity SSRF findings of medium confidence (C): 2 × 10 × 0.3 × 0.7 = 4.2.
    expect(
      securityScore([finding('C', 'medium', 'medium', 1), finding('C', 'medium', 'medium', 2)]).score,
    ).toBe(95.8);
    // Example 3: a class never loses more than its weight: five critical B findings cost 13, not 65.
    expect(securityScore([1, 2, 3, 4, 5].map((n) => finding('B', 'critical', 'high', n))).score).toBe(87);
    // Example 4: supply chain: one high N finding (25) and one medium of low confidence (10 × 0.4).
    expect(supplyChainScore([finding('N', 'high'), finding('N', 'medium', 'low')])).toBe(71);
    const s = scoreReport({ ...wellKeptPackage, findings: [finding('A', 'critical')] });
    expect(s.global).toBe(89); // 0.5 × 78 + 0.3 × 100 + 0.2 × 100
  });

  it('never rises when a finding is added (monotone), over 2,000 random cases', () => {
    const r = rng(42);
    for (let i = 0; i < 2000; i++) {
      const n = Math.floor(r() * 12);
      const base = Array.from({ length: n }, (_, k) =>
        finding(pick(r, CLASSES), pick(r, SEVS), pick(r, CONFS), k),
      );
      const extra = finding(pick(r, CLASSES), pick(r, SEVS), pick(r, CONFS), 99);
      const before = scoreReport({ ...wellKeptPackage, findings: base });
      const after = scoreReport({ ...wellKeptPackage, findings: [...base, extra] });
      expect(after.global).toBeLessThanOrEqual(before.global);
      expect(after.security).toBeLessThanOrEqual(before.security);
      expect(after.supplyChain).toBeLessThanOrEqual(before.supplyChain);
    }
  });

  it('is deterministic: the same findings in another order give the same breakdown', () => {
    const fs = [finding('A', 'high'), finding('E', 'medium'), finding('N', 'low')];
    expect(scoreReport({ ...wellKeptPackage, findings: fs })).toEqual(
      scoreReport({ ...wellKeptPackage, findings: [...fs].reverse() }),
    );
  });
});

describe('levels', () => {
  const passed = { passed: true };
  it('reaches 3 only with ≥ 90, no high/critical, and a passed runtime check', () => {
    expect(decideLevel({ global: 95 }, [], passed).level).toBe(3);
    const noRuntime = decideLevel({ global: 95 }, [], null);
    expect(noRuntime.level).toBe(2);
    expect(noRuntime.blockedBy).toContain('no sandboxed runtime check has run');
    expect(
      decideLevel({ global: 95 }, [], { passed: false, reason: 'no initialize answer' }).blockedBy[0],
    ).toContain('no initialize answer');
  });
  it('applies the score thresholds 60 / 80 / 90', () => {
    expect(decideLevel({ global: 59.9 }, [], passed).level).toBe(0);
    expect(decideLevel({ global: 60 }, [], passed).level).toBe(1);
    expect(decideLevel({ global: 80 }, [], passed).level).toBe(2);
    expect(decideLevel({ global: 89.9 }, [], passed).level).toBe(2);
  });
  it('level 1 allows up to 3 high findings and no critical; level 2 allows none', () => {
    const highs = (n: number) => Array.from({ length: n }, (_, i) => finding('C', 'high', 'high', i));
    expect(decideLevel({ global: 85 }, highs(3), passed).level).toBe(1);
    expect(decideLevel({ global: 85 }, highs(4), passed).level).toBe(0);
    expect(decideLevel({ global: 85 }, [finding('A', 'critical')], passed).level).toBe(0);
  });
  it('a high lifecycle (L) or hidden-network (M) finding caps the level at 0 whatever the score', () => {
    for (const cls of ['L', 'M'] as const) {
      const d = decideLevel({ global: 99 }, [finding(cls, 'high')], passed);
      expect(d.level).toBe(0);
      expect(d.blockedBy.join(' ')).toContain('cap the level at 0');
    }
  });
  it('low-confidence findings cost points but do not gate', () => {
    expect(decideLevel({ global: 95 }, [finding('A', 'critical', 'low')], passed).level).toBe(3);
  });
});

describe('controls', () => {
  it('has 17 controls, each mapped to the OWASP MCP Top 10', () => {
    expect(CONTROLS).toHaveLength(17);
    for (const c of CONTROLS) expect(c.owasp.every((o) => /^MCP(0[1-9]|10)$/.test(o))).toBe(true);
  });
  it('fails exactly the control watching a finding and names the finding', () => {
    const cmd = { ...finding('A', 'high'), cwe: ['CWE-78'] };
    const evalF = { ...finding('A', 'high', 'high', 2), cwe: ['CWE-95'] };
    const results = evaluateControls([cmd, evalF]);
    expect(results.find((c) => c.id === 'MCPH-C01')).toMatchObject({ passed: false, findings: [cmd.id] });
    expect(results.find((c) => c.id === 'MCPH-C02')).toMatchObject({ passed: false, findings: [evalF.id] });
    expect(results.filter((c) => !c.passed)).toHaveLength(2);
  });
  it('ignores low-severity and low-confidence findings', () => {
    expect(evaluateControls([finding('D', 'low'), finding('D', 'high', 'low')]).every((c) => c.passed)).toBe(
      true,
    );
  });
});
