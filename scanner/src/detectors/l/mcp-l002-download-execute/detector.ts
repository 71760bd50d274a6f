import { defineDetector } from '../../api.js';

export default defineDetector({
  id: 'MCP-L002',
  class: 'L',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'critical',
  confidence: 'high',
  cwe: ['CWE-494', 'CWE-829'],
  title: 'Downloads code from the network and executes it (self-update, remote script)',
  remediation:
    'Never execute code fetched at run time. Ship updates through the package registry (signed, reviewed and ' +
    'pinned by the client), or verify a detached signature with a key bundled in the package before running anything.',
  taint: {
    sinkKind: 'remote-code',
    sources: ['network'],
    sinks: [
      {
        languages: ['python'],
        callee: ['exec', 'eval', 'compile', 'builtins.exec', 'builtins.eval'],
        args: [0],
        message: 'Code downloaded from the network is executed',
      },
      {
        languages: ['python'],
        callee: ['os.system', 'os.popen', 'subprocess.*', 'asyncio.create_subprocess_shell'],
        args: [0, { kw: 'args' }, { kw: 'input' }],
        message: 'A command or script downloaded from the network is run',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: [
          'eval',
          'Function',
          'vm.runInThisContext',
          'vm.runInNewContext',
          'vm.runInContext',
          'vm.Script',
          'vm.compileFunction',
        ],
        args: [0],
        message: 'Code downloaded from the network is executed',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: ['child_process.exec', 'child_process.execSync'],
        args: [0],
        message: 'A command or script downloaded from the network is run',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: [
          'child_process.execFileSync',
          'child_process.spawnSync',
          'child_process.execFile',
          'child_process.spawn',
        ],
        pick: (call, q) => {
          const out = call.args.slice(0, 2).map((node) => ({ node }));
          const input = call.args[2] ? q.property(call.args[2], 'input') : null;
          return input ? [...out, { node: input, note: 'as the input of the process' }] : out;
        },
        message: 'A command or script downloaded from the network is run',
      },
      {
        languages: ['go'],
        callee: ['os/exec.Command'],
        args: [{ rest: 0 }],
        message: 'A command or script downloaded from the network is run',
      },
      {
        languages: ['go'],
        callee: ['os/exec.CommandContext'],
        args: [{ rest: 1 }],
        message: 'A command or script downloaded from the network is run',
      },
    ],
  },
});
