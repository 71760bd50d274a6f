import { advisorySeverity, matchAdvisories } from '../../../supply-chain/advisories.js';
import { type ManifestPosition, normalizePypiName } from '../../../supply-chain/types.js';
import { defineDetector } from '../../api.js';

export default defineDetector({
  id: 'MCP-N005',
  class: 'N',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-1395'],
  title: 'Dependency version with a known vulnerability (OSV advisory)',
  remediation:
    'Upgrade the dependency to the fixed version the advisory names (or later), regenerate the lockfile, and ' +
    'keep the advisory database current with `mcphub advisories import`.',
  visitors: {
    onProject: (ctx) => {
      const db = ctx.advisories;
      if (!db) return;
      const check = (seen: Set<string>, eco: string, name: string, version: string, at: ManifestPosition) => {
        const key = `${eco}|${eco === 'PyPI' ? normalizePypiName(name) : name}|${version}`;
        if (seen.has(key)) return;
        seen.add(key);
        for (const m of matchAdvisories(db, eco, name, version)) {
          const aliases = (m.advisory.aliases ?? []).slice(0, 3).join(', ');
          ctx.report(at, {
            message:
              `${name}@${version} is affected by ${m.advisory.id}${aliases ? ` (${aliases})` : ''}` +
              `${m.advisory.summary ? `: ${m.advisory.summary}` : ''}` +
              `${m.fixed ? `; fixed in ${m.fixed}` : '; no fixed version'}`,
            severity: advisorySeverity(m.advisory),
          });
        }
      };
      // An exact pin in the manifest (go.mod, requirements.txt) is reported where it is written, the
      // rest at the lockfile entry that resolves it.
      for (const p of ctx.projects) {
        const seen = new Set<string>();
        for (const d of p.declared) if (d.pinned) check(seen, d.ecosystem, d.name, d.pinned, d.at);
        for (const l of p.locked) check(seen, l.ecosystem, l.name, l.version, l.at);
      }
    },
  },
});
