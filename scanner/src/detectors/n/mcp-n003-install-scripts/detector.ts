import { defineDetector } from '../../api.js';

const PIPE_TO_SHELL =
  /\b(curl|wget|iwr|Invoke-WebRequest)\b[^|;&]*\|\s*(sudo\s+)?(sh|bash|zsh|dash|node|python3?|perl|iex)\b|\b(sh|bash)\s+-c\s+["']?\$\((curl|wget)\b|\b(sh|bash)\s+<\(\s*(curl|wget)\b/;

export default defineDetector({
  id: 'MCP-N003',
  class: 'N',
  languages: ['python', 'javascript', 'typescript'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-829', 'CWE-494'],
  title: 'Install-time code execution: dependency install scripts or curl | sh',
  remediation:
    'Do not pipe downloaded scripts into a shell: vendor the script or verify a pinned checksum first. ' +
    'Review dependencies that run install scripts (npm hasInstallScript, pnpm requiresBuild, Python sdist-only ' +
    'packages) and install with --ignore-scripts / --only-binary :all: where possible.',
  visitors: {
    onProject: (ctx) => {
      for (const p of ctx.projects) {
        for (const s of p.scripts) {
          if (PIPE_TO_SHELL.test(s.command))
            ctx.report(s.at, {
              message: `Script "${s.name}" pipes a download into an interpreter (${s.command.slice(0, 80)}): whoever controls that URL runs code on every machine that runs it`,
              severity: 'high',
              confidence: 'high',
            });
        }
        const direct = new Set(p.declared.map((d) => d.name.toLowerCase()));
        for (const l of p.locked) {
          if (!l.installScript) continue;
          const how =
            l.ecosystem === 'npm'
              ? 'runs an install script (preinstall/install/postinstall) when installed'
              : 'ships only a source distribution, so its build backend (setup.py) runs at install time';
          ctx.report(l.at, {
            message: `Dependency ${l.name}@${l.version} ${how}${direct.has(l.name.toLowerCase()) ? '' : ' (transitive)'}`,
            severity: 'medium',
          });
        }
      }
    },
  },
});
