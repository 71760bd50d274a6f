import { defineDetector } from '../../api.js';
import { commandShape, shellViaArgv } from '../command-shapes.js';
import { EXEC_SINKS } from '../exec-callees.js';

export default defineDetector({
  id: 'MCP-A001',
  class: 'A',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'critical',
  confidence: 'high',
  cwe: ['CWE-78'],
  title: 'OS command injection through a shell',
  remediation:
    'Do not build shell command strings from tool arguments. Run the program directly with an argv array ' +
    '(subprocess.run([...]) without shell=True, execFile/spawn without shell, exec.Command(prog, args...)), ' +
    'validate values against an allowlist, and put "--" before positional arguments.',
  taint: {
    sinkKind: 'shell',
    sinks: EXEC_SINKS.map(({ languages, callee }) => ({
      languages,
      callee,
      message: 'Attacker-controlled data is interpreted by a shell',
      pick: (call, q) => {
        const shape = commandShape(call, q);
        if (!shape) return [];
        return [...shape.shellString.map((node) => ({ node })), ...shellViaArgv(shape, q)];
      },
    })),
    sanitizers: [
      // A quoted value stays one argument after shlex.split, so it cannot become the program either.
      {
        languages: ['python'],
        callee: ['shlex.quote', 'shlex.join', 'pipes.quote'],
        clears: ['shell', 'program'],
      },
      {
        languages: ['javascript', 'typescript'],
        callee: ['shell-quote.quote', 'shell-escape', 'shescape.quote'],
        clears: ['shell'],
      },
    ],
  },
});
