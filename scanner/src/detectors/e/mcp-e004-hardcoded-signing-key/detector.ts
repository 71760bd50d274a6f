import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery, VisitContext } from '../../api.js';
import { defineDetector } from '../../api.js';
import { guarded, unwrap } from '../../d/shapes.js';
import { redact } from '../secrets.js';

interface KeySink {
  callee: RegExp;
  /** Positional index of the key, and/or its keyword or options-object property. */
  arg?: number;
  kw?: string;
  option?: string;
  what: string;
}

const SINKS: Record<'python' | 'js' | 'go', KeySink[]> = {
  python: [
    {
      callee: /^(jwt|jose\.jwt|authlib\.jose\.jwt)\.(encode|decode)$/,
      arg: 1,
      kw: 'key',
      what: 'JWTs are signed/verified',
    },
    { callee: /^hmac\.(new|digest)$/, arg: 0, kw: 'key', what: 'an HMAC is computed' },
    { callee: /^itsdangerous\.\w*(Serializer|Signer)$/, arg: 0, kw: 'secret_key', what: 'tokens are signed' },
  ],
  js: [
    { callee: /^jsonwebtoken\.(sign|verify)$/, arg: 1, what: 'JWTs are signed/verified' },
    { callee: /^crypto\.createHmac$/, arg: 1, what: 'an HMAC is computed' },
    { callee: /^express-session$/, arg: 0, option: 'secret', what: 'session cookies are signed' },
    { callee: /^cookie-parser$/, arg: 0, what: 'cookies are signed' },
    {
      callee: /^(@fastify\/jwt|fastify-jwt)$|\.register$/,
      arg: 1,
      option: 'secret',
      what: 'JWTs are signed',
    },
  ],
  go: [
    { callee: /\.SignedString$/, arg: 0, what: 'JWTs are signed' },
    { callee: /^crypto\/hmac\.New$/, arg: 1, what: 'an HMAC is computed' },
  ],
};

/** The hard-coded value of a key expression: a literal, a constant, []byte("..."), or an env read's fallback. */
function hardcoded(node: SyntaxNode, q: NodeQuery, depth = 0): { value: string; fallback: boolean } | null {
  if (depth > 4) return null;
  const n = unwrap(q.resolve(unwrap(node)));
  const s = q.stringValue(n);
  if (s !== null) return s.length > 0 ? { value: s, fallback: false } : null;
  // Go []byte("secret"), Python b"secret".encode() / "secret".encode(), JS Buffer.from('secret'), new TextEncoder().encode('x')
  if (
    n.type === 'type_conversion_expression' ||
    n.type === 'call_expression' ||
    n.type === 'call' ||
    n.type === 'new_expression'
  ) {
    const fnText =
      (n.childForFieldName('function') ?? n.childForFieldName('type') ?? n.childForFieldName('constructor'))
        ?.text ?? '';
    const args = (n.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
    const operand = n.childForFieldName('operand');
    if (operand && /\[\]byte/.test(n.text)) return hardcoded(operand, q, depth + 1);
    if (/^\[\]byte$|^Buffer\.from$|^bytes$|^str$|\.encode$|^String$/.test(fnText)) {
      // `"key".encode()`: the receiver is the value; `.encode("latin-1")`'s argument is only the codec.
      const inner = fnText.endsWith('.encode')
        ? n.childForFieldName('function')?.childForFieldName('object')
        : args[0];
      return inner ? hardcoded(inner, q, depth + 1) : null;
    }
    // os.getenv("JWT_SECRET", "dev-secret"), os.environ.get("X", "dev")
    if (/^os\.(getenv|environ\.get)$/.test(fnText) && args[1]) {
      const fb = q.stringValue(args[1]);
      return fb ? { value: fb, fallback: true } : null;
    }
    return null;
  }
  // process.env.JWT_SECRET || 'dev-secret', process.env.X ?? "x"
  if (n.type === 'binary_expression' || n.type === 'boolean_operator') {
    const op = n.childForFieldName('operator')?.text;
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    if (
      (op === '||' || op === '??' || op === 'or') &&
      left &&
      right &&
      /environ|process\.env|getenv/i.test(left.text)
    ) {
      const fb = q.stringValue(right);
      return fb ? { value: fb, fallback: true } : null;
    }
  }
  return null;
}

function keyArg(call: CallView, sink: KeySink, q: NodeQuery): SyntaxNode | null {
  if (sink.kw && call.kwargs.has(sink.kw)) return call.kwargs.get(sink.kw) ?? null;
  const a = sink.arg !== undefined ? call.args[sink.arg] : undefined;
  if (!a) return null;
  if (sink.option) return q.property(a, sink.option);
  return a;
}

function onCall(call: CallView, ctx: VisitContext): void {
  const list = call.language === 'python' ? SINKS.python : call.language === 'go' ? SINKS.go : SINKS.js;
  for (const sink of list) {
    if (!sink.callee.test(call.callee)) continue;
    const key = keyArg(call, sink, ctx.q);
    if (!key) continue;
    const hit = hardcoded(key, ctx.q);
    if (!hit) continue;
    ctx.report(call.node, {
      message: hit.fallback
        ? `The key with which ${sink.what} falls back to a hard-coded default (${redact(hit.value, 2)}) when the environment variable is missing`
        : `The key with which ${sink.what} is hard-coded (${redact(hit.value, 2)}): anyone with the source can forge tokens`,
      redact: [hit.value],
    });
    return;
  }
}

export default defineDetector({
  id: 'MCP-E004',
  class: 'E',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-321', 'CWE-798'],
  title: 'Hard-coded or defaulted signing key (JWT, HMAC, session secret)',
  remediation:
    'Load signing keys from the environment or a secret manager and fail at start-up when they are missing ' +
    '(os.environ["JWT_SECRET"], process.env.JWT_SECRET with an explicit check); never ship a default such as ' +
    '"secret" or "dev-key". Generate keys with a CSPRNG (secrets.token_bytes(32), crypto.randomBytes(32)).',
  visitors: { onCall: guarded(onCall, undefined) },
});
