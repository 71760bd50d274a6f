import { defineDetector } from '../../api.js';

const HOOKS = new Set(['preinstall', 'install', 'postinstall']);
const NETWORK = /\b(curl|wget|fetch|https?:\/\/|Invoke-WebRequest|iwr)\b/;
const SETUP = ['setuptools.setup', 'distutils.core.setup', 'setup'];
const INSTALL_COMMANDS = /^['"](install|develop|egg_info|build_py|build_ext|bdist_wheel|sdist)['"]$/;

export default defineDetector({
  id: 'MCP-L001',
  class: 'L',
  languages: ['python', 'javascript', 'typescript'],
  severity: 'medium',
  confidence: 'high',
  cwe: ['CWE-829', 'CWE-506'],
  title: 'Install-time hook runs code when the server is installed',
  remediation:
    'Do not run code at install time: move setup into an explicit, documented command the user runs, and ship ' +
    'prebuilt artifacts. An MCP server is installed by clients automatically (npx, uvx), so an install hook runs ' +
    'unreviewed on every user machine.',
  visitors: {
    onProject: (ctx) => {
      for (const p of ctx.projects) {
        for (const s of p.scripts) {
          if (!HOOKS.has(s.name)) continue;
          const net = NETWORK.test(s.command);
          ctx.report(s.at, {
            message: `package.json "${s.name}" runs \`${s.command.slice(0, 80)}\` on every install${net ? ', fetching from the network' : ''}`,
            ...(net ? { severity: 'high' as const } : {}),
          });
        }
      }
    },
    onCall: (call, ctx) => {
      if (call.language !== 'python' || !SETUP.includes(call.callee)) return;
      if (!/(^|\/)setup\.py$/.test(ctx.file)) return;
      const cmdclass = call.kwargs.get('cmdclass');
      if (!cmdclass) return;
      const dict = ctx.q.resolve(cmdclass);
      const keys = dict.namedChildren
        .filter((c) => c.type === 'pair')
        .map((c) => c.childForFieldName('key'))
        .filter((k) => k && INSTALL_COMMANDS.test(k.text));
      if (keys.length > 0)
        ctx.report(call.node, {
          message: `setup(cmdclass=…) overrides ${keys.map((k) => k?.text).join(', ')}: custom code runs when the package is installed`,
        });
    },
  },
});
