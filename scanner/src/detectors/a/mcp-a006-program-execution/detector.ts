import { defineDetector } from '../../api.js';
import { commandShape } from '../command-shapes.js';
import { EXEC_SINKS } from '../exec-callees.js';

export default defineDetector({
  id: 'MCP-A006',
  class: 'A',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'critical',
  confidence: 'high',
  cwe: ['CWE-78', 'CWE-114'],
  title: 'Attacker-chosen program executed',
  remediation:
    'Never let a tool argument choose the executable. Map the argument to a fixed program through an ' +
    'allowlist (a dict/switch of known commands) and pass user values only as validated arguments.',
  taint: {
    sinkKind: 'program',
    sinks: EXEC_SINKS.map(({ languages, callee }) => ({
      languages,
      callee,
      message: 'Attacker-controlled data selects the program to execute',
      pick: (call, q) => {
        const shape = commandShape(call, q);
        if (!shape || shape.shellString.length > 0 || !shape.program) return [];
        return [{ node: shape.program }];
      },
    })),
  },
});
