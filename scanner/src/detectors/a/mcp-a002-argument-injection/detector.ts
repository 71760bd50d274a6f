import type { PickedArg } from '../../api.js';
import { defineDetector } from '../../api.js';
import { commandShape, OPTION_SENSITIVE_TOOLS, SHELLS } from '../command-shapes.js';
import { EXEC_SINKS } from '../exec-callees.js';

/** Options that usually take the next element as their value (git -m/-C/-b, curl -o/-H, tar -f …). */
const VALUE_OPTIONS =
  /^(-[CcmbnoFHdXuAeTwOPfilp]|--(depth|branch|message|output|header|data|user|config|file|directory|format|max-count|author|since|until|name|path|type|port|identity|login))$/;

/** Programs whose option parsing ends at the first operand; what follows belongs to the script or host. */
const STOPS_AT_OPERAND = /^(?:.*[/\\])?(ssh|node|python3?|perl|ruby|php|npx|docker)$/i;

export default defineDetector({
  id: 'MCP-A002',
  class: 'A',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-88'],
  title: 'Argument injection into an option-parsing command (git, ssh, curl, tar, …)',
  remediation:
    'Put "--" before attacker-supplied positional arguments, reject values that start with "-", ' +
    'or validate them against a strict pattern (e.g. a URL scheme allowlist for git/curl).',
  taint: {
    sinkKind: 'argv',
    sinks: EXEC_SINKS.map(({ languages, callee }) => ({
      languages,
      callee,
      message: 'Attacker-controlled data is passed as an argument that the program may parse as an option',
      pick: (call, q) => {
        const shape = commandShape(call, q);
        const prog = shape?.program ? q.stringValue(shape.program) : null;
        if (!shape || prog === null || SHELLS.test(prog) || !OPTION_SENSITIVE_TOOLS.test(prog)) return [];
        const picked: PickedArg[] = [];
        let previous: string | null = null;
        for (const item of shape.argv) {
          const literal = item.tail ? null : q.stringValue(item.node);
          // Everything after "--" is positional for getopt-style parsers.
          if (literal === '--') break;
          // Interpreters and ssh stop reading options at the first operand (script, host).
          if (
            STOPS_AT_OPERAND.test(prog) &&
            literal !== null &&
            !literal.startsWith('-') &&
            !(previous && VALUE_OPTIONS.test(previous))
          )
            break;
          // `-m msg`, `--depth n`: the parser takes the next element as the option's value, whatever it is.
          const isOptionValue = previous !== null && VALUE_OPTIONS.test(previous);
          if (item.tail) {
            // A list we cannot see into: its own "--" is checked where its elements are known.
            picked.push({ node: item.node, note: `argv of ${prog}`, argvTail: true });
          } else if (!q.isConstant(item.node) && !isOptionValue) {
            picked.push({ node: item.node, note: `argument of ${prog}` });
          }
          previous = literal;
        }
        return picked;
      },
    })),
    guards: [
      {
        languages: ['python'],
        pattern: /\.startswith\(\s*['"]-['"]\s*\)/,
        meaning: 'invalid',
        clears: ['argv'],
      },
      {
        languages: ['javascript', 'typescript'],
        pattern: /\.startsWith\(\s*['"`]-['"`]\s*\)/,
        meaning: 'invalid',
        clears: ['argv'],
      },
      {
        languages: ['go'],
        pattern: /strings\.HasPrefix\([^,]+,\s*"-"\s*\)/,
        meaning: 'invalid',
        clears: ['argv'],
      },
      // A value that must start with "https://" (or any non-dash prefix) cannot be an option.
      {
        languages: ['python'],
        pattern: /\.startswith\(\s*(['"])[^-'"][^'"]*\1/,
        meaning: 'valid',
        clears: ['argv'],
      },
      {
        languages: ['javascript', 'typescript'],
        pattern: /\.startsWith\(\s*(['"`])[^-'"`][^'"`]*\1/,
        meaning: 'valid',
        clears: ['argv'],
      },
      {
        languages: ['go'],
        pattern: /strings\.HasPrefix\([^,]+,\s*"[^-"][^"]*"\s*\)/,
        meaning: 'valid',
        clears: ['argv'],
      },
    ],
  },
});
