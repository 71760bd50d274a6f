import type { Ecosystem } from '../../../supply-chain/types.js';
import { defineDetector } from '../../api.js';
import { editDistance, POPULAR } from '../popular.js';

function canonical(eco: Ecosystem, name: string): string {
  return eco === 'PyPI' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name.toLowerCase();
}

/** The popular package a name imitates: one edit away (two for long names), or the same name with separators changed. */
export function lookalikeOf(eco: Ecosystem, name: string): string | null {
  const n = canonical(eco, name);
  const popular = POPULAR[eco].map((p) => canonical(eco, p));
  if (popular.includes(n)) return null;
  // Another major version of the same module (`chi/v4`, `yaml.v2`) is not a look-alike.
  const major = (s: string) => s.replace(/([/.]v\d+)$/, '');
  // Separator and scope confusion: `modelcontextprotocol-sdk` for `@modelcontextprotocol/sdk`, `node_fetch`.
  const bare = (s: string) => s.replace(/[-_./@]/g, '');
  for (const p of POPULAR[eco]) {
    const c = canonical(eco, p);
    if (eco === 'Go' && major(n) === major(c)) continue;
    if (eco === 'npm' && bare(n) === bare(c)) return p;
    const len = Math.min(n.length, c.length);
    if (len < 5) continue;
    const max = len >= 10 ? 2 : 1;
    if (editDistance(n, c, max) <= max) return p;
  }
  return null;
}

export default defineDetector({
  id: 'MCP-N004',
  class: 'N',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-1357', 'CWE-506'],
  title: 'Dependency name looks like a typosquat of a popular package',
  remediation:
    'Check the package name against the registry page of the project you meant; replace a look-alike with the ' +
    'real package and audit what the look-alike may have run at install time.',
  visitors: {
    onProject: (ctx) => {
      for (const p of ctx.projects) {
        for (const d of p.declared) {
          const target = lookalikeOf(d.ecosystem, d.name);
          if (target)
            ctx.report(d.at, {
              message: `Dependency "${d.name}" is one small edit away from the popular package "${target}": a typosquat would run attacker code`,
            });
        }
      }
    },
  },
});
