/** Version ordering per ecosystem: npm and Go semver, PyPI PEP 440 (the common subset). */
import semver from 'semver';
import type { Ecosystem } from './types.js';

interface Pep440 {
  epoch: number;
  release: number[];
  /** [rank, n]: dev-only -1 < a 0 < b 1 < rc 2 < final 3 (pre-release ordering). */
  pre: [number, number];
  post: number;
  dev: number;
}

const PEP440 =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:(?:-(\d+))|(?:[-_.]?(post|rev|r)[-_.]?(\d*)))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/i;

export function parsePep440(v: string): Pep440 | null {
  const m = PEP440.exec(v.trim());
  if (!m) return null;
  const preTag = m[3]?.toLowerCase();
  const preRank = preTag ? (preTag.startsWith('a') ? 0 : preTag.startsWith('b') ? 1 : 2) : 3;
  const hasPost = m[5] !== undefined || m[6] !== undefined;
  const hasDev = m[8] !== undefined;
  return {
    epoch: Number(m[1] ?? 0),
    release: (m[2] as string).split('.').map(Number),
    // 1.0.dev1 sorts before 1.0a1: a dev release without pre/post ranks below every pre-release.
    pre: [preTag ? preRank : hasDev && !hasPost ? -1 : 3, Number(m[4] || 0)],
    post: hasPost ? Number(m[5] ?? (m[7] || 0)) : -1,
    dev: hasDev ? Number(m[8] || 0) : Number.POSITIVE_INFINITY,
  };
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function comparePep440(a: string, b: string): number {
  const x = parsePep440(a);
  const y = parsePep440(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  if (x.epoch !== y.epoch) return cmpNum(x.epoch, y.epoch);
  const len = Math.max(x.release.length, y.release.length);
  for (let i = 0; i < len; i++) {
    const c = cmpNum(x.release[i] ?? 0, y.release[i] ?? 0);
    if (c) return c;
  }
  return (
    cmpNum(x.pre[0], y.pre[0]) || cmpNum(x.pre[1], y.pre[1]) || cmpNum(x.post, y.post) || cmpNum(x.dev, y.dev)
  );
}

function toSemver(v: string): string | null {
  const s =
    semver.valid(v.replace(/^v/, ''), { loose: true }) ??
    semver.valid(semver.coerce(v, { includePrerelease: true }));
  return s;
}

/** Orders two versions of the ecosystem; `0` as OSV's "introduced: 0" sorts first. */
export function compareVersions(ecosystem: Ecosystem | string, a: string, b: string): number {
  if (a === b) return 0;
  if (a === '0') return -1;
  if (b === '0') return 1;
  if (ecosystem === 'PyPI') return comparePep440(a, b);
  const x = toSemver(a);
  const y = toSemver(b);
  if (x && y) return semver.compare(x, y, { loose: true });
  return a < b ? -1 : a > b ? 1 : 0;
}
