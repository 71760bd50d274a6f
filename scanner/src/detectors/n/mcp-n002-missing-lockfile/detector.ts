import { defineDetector } from '../../api.js';

export default defineDetector({
  id: 'MCP-N002',
  class: 'N',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'medium',
  confidence: 'high',
  cwe: ['CWE-1357'],
  title: 'Dependencies without a lockfile',
  remediation:
    'Commit the lockfile the package manager writes (package-lock.json, pnpm-lock.yaml, yarn.lock, poetry.lock, ' +
    'uv.lock, go.sum) so installs resolve to the reviewed versions and their integrity hashes.',
  visitors: {
    onProject: (ctx) => {
      for (const p of ctx.projects) {
        if (p.lockfiles.length > 0 || /requirements[^/]*\.(txt|in)$/.test(p.manifest.path)) continue;
        const deps = p.declared.filter((d) => !d.dev);
        if (deps.length === 0) continue;
        const lock =
          p.ecosystem === 'npm'
            ? 'package-lock.json, pnpm-lock.yaml or yarn.lock'
            : p.ecosystem === 'Go'
              ? 'go.sum'
              : 'poetry.lock or uv.lock';
        const first = deps[0];
        if (!first) continue;
        ctx.report(first.at, {
          message: `${p.manifest.path} declares ${deps.length} dependenc${deps.length === 1 ? 'y' : 'ies'} but no ${lock} pins them: every install may resolve different code`,
          ...(p.ecosystem === 'Go' ? { severity: 'low' as const } : {}),
        });
      }
    },
  },
});
