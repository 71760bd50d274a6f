import { defineDetector } from '../../api.js';

/** npm specs that accept any future release, or a moving git/URL reference. */
function floatingNpm(spec: string): string | null {
  const s = spec.trim();
  if (s === '' || s === '*' || /^[xX]$/.test(s)) return 'accepts any version';
  if (/^(latest|next|canary|beta|alpha)$/.test(s)) return `follows the moving "${s}" dist-tag`;
  if (/(^|\|\|)\s*\*\s*($|\|\|)/.test(s)) return 'accepts any version';
  if (/^>=?\s*\d/.test(s) && !/</.test(s)) return 'has no upper bound';
  if (/^(git\+|git:|github:|gitlab:|bitbucket:|https?:)|^[\w-]+\/[\w.-]+(#.*)?$/.test(s)) {
    if (/\.(tgz|tar\.gz)$/.test(s) && /^https?:/.test(s)) return 'is a tarball URL whose content can change';
    const ref = /#(?:semver:)?(.+)$/.exec(s)?.[1];
    if (!ref || !/^[0-9a-f]{40}$/.test(ref)) return 'follows a git branch or tag instead of a commit';
  }
  return null;
}

function floatingPython(spec: string, inRequirementsTxt: boolean): string | null {
  const s = spec.trim();
  if (s === '' || s === '*') return 'has no version constraint';
  if (s === 'git' || /^@\s*git\+/.test(s)) return /@[0-9a-f]{40}/.test(s) ? null : 'follows a git branch';
  if (inRequirementsTxt && !/^===?\s*[\w.+!-]+$/.test(s))
    return 'is not pinned with == in a requirements file';
  if (/^>=?/.test(s) && !/[<~^]|==/.test(s)) return 'has no upper bound';
  return null;
}

export default defineDetector({
  id: 'MCP-N001',
  class: 'N',
  languages: ['python', 'javascript', 'typescript'],
  severity: 'medium',
  confidence: 'high',
  cwe: ['CWE-1357', 'CWE-829'],
  title: 'Dependency version is floating or unpinned',
  remediation:
    'Pin each dependency to a version range with an upper bound (npm "^1.2.3", PEP 440 "~=1.2" or "==1.2.3"), ' +
    'reference git dependencies by commit, and commit the lockfile; in requirements files pin with == and --hash.',
  visitors: {
    onProject: (ctx) => {
      for (const p of ctx.projects) {
        const isReq = /requirements[^/]*\.(txt|in)$/.test(p.manifest.path);
        for (const d of p.declared) {
          const why =
            d.ecosystem === 'npm'
              ? floatingNpm(d.spec)
              : d.ecosystem === 'PyPI'
                ? floatingPython(d.spec, isReq)
                : null;
          if (!why) continue;
          ctx.report(d.at, {
            message: `Dependency ${d.name} ("${d.spec || '(none)'}") ${why}: a new, possibly malicious release is installed without review`,
            ...(d.dev ? { severity: 'low' as const } : {}),
          });
        }
      }
    },
  },
});
