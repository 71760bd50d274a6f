import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery, PickedArg } from '../../api.js';
import { defineDetector } from '../../api.js';
import { guarded, shapeOf, unwrap } from '../../d/shapes.js';
import { leakIn } from '../secret-flow.js';
import { envReadName, isSecretName, isWholeEnv } from '../secrets.js';

/** Which spliced pieces of a logged value are secrets: secret env reads, the whole env, secret-named values. */
export function secretPieces(args: SyntaxNode[], q: NodeQuery): PickedArg[] {
  const out: PickedArg[] = [];
  for (const arg of args) {
    for (const seg of shapeOf(arg, { q }).segs) {
      if (!('piece' in seg)) continue;
      const n = unwrap(seg.piece);
      const text = n.text;
      const env = envReadName(text);
      if (env !== null) {
        if (isSecretName(env)) out.push({ node: n, note: `the secret ${env}` });
        continue;
      }
      if (isWholeEnv(text)) {
        out.push({ node: n, note: 'the whole environment' });
        continue;
      }
      if (n.type === 'subscript' && /:/.test(n.childForFieldName('subscript')?.text ?? '')) continue; // key[:4]
      if (n.type === 'identifier' || /member_expression|attribute|selector_expression/.test(n.type)) {
        const name = /([\w$]+)$/.exec(text)?.[1] ?? '';
        if (isSecretName(name)) {
          out.push({ node: n, note: `the secret value ${name}` });
          continue;
        }
      }
      // A config object or helper result that holds a secret from the environment.
      const leak = leakIn(n, q, 0, new Set());
      if (leak) out.push({ node: n, note: leak });
    }
  }
  return out;
}

const pickAll = guarded(
  (call: CallView, q: NodeQuery) => secretPieces([...call.args, ...call.kwargs.values()], q),
  [],
);

export default defineDetector({
  id: 'MCP-E002',
  class: 'E',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'medium',
  confidence: 'high',
  cwe: ['CWE-532'],
  title: 'Secret written to logs',
  remediation:
    'Do not log credentials or the environment. Log that a key is configured (bool(key), key ? "set" : "missing") ' +
    'or a short masked prefix (key[:4] + "..."), never the value; for stdio servers remember that stderr logs are ' +
    'collected by the host.',
  taint: {
    sinkKind: 'secret-log',
    sources: ['env', 'tool-param', 'http-request', 'network', 'file'],
    sinks: [
      {
        languages: ['python'],
        callee: [
          'print',
          'logging.*',
          '*.debug',
          '*.info',
          '*.warning',
          '*.warn',
          '*.error',
          '*.exception',
          '*.critical',
          '*.log',
          'sys.stderr.write',
          'sys.stdout.write',
        ],
        when: (call) => !/^(os|re|subprocess|json|math)\./.test(call.callee),
        pick: pickAll,
        message: 'A secret is written to the logs',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: [
          'console.*',
          '*.info',
          '*.debug',
          '*.warn',
          '*.error',
          '*.log',
          '*.trace',
          '*.fatal',
          'process.stdout.write',
          'process.stderr.write',
        ],
        when: (call) => !/^(Math|JSON|Object|Promise)\./.test(call.callee),
        pick: pickAll,
        message: 'A secret is written to the logs',
      },
      {
        languages: ['go'],
        callee: [
          'log.*',
          'log/slog.*',
          'fmt.Print*',
          'fmt.Fprint*',
          '*.Info',
          '*.Infof',
          '*.Infow',
          '*.Debug',
          '*.Debugf',
          '*.Warn',
          '*.Warnf',
          '*.Error',
          '*.Printf',
          '*.Println',
        ],
        when: (call) => call.callee !== 'fmt.Errorf',
        pick: pickAll,
        message: 'A secret is written to the logs',
      },
    ],
    sanitizers: [
      {
        languages: ['python'],
        callee: ['*mask*', '*redact*', 'hashlib.*'],
        clears: ['secret-log', 'secret-output'],
      },
      {
        languages: ['javascript', 'typescript'],
        callee: ['*mask*', '*redact*', 'crypto.createHash*'],
        clears: ['secret-log', 'secret-output'],
      },
      {
        languages: ['go'],
        callee: ['*mask*', '*Mask*', '*redact*', '*Redact*', 'crypto/sha256.*'],
        clears: ['secret-log', 'secret-output'],
      },
    ],
  },
});
