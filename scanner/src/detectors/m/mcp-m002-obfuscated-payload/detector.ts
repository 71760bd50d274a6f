import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery } from '../../api.js';
import { defineDetector } from '../../api.js';

type Decoder = 'base64' | 'hex' | 'base32';

const DECODERS: Record<string, Decoder> = {
  'base64.b64decode': 'base64',
  'base64.urlsafe_b64decode': 'base64',
  'base64.standard_b64decode': 'base64',
  'base64.decodebytes': 'base64',
  'base64.b32decode': 'base32',
  'bytes.fromhex': 'hex',
  'binascii.unhexlify': 'hex',
  'binascii.a2b_base64': 'base64',
  atob: 'base64',
  'encoding/base64.StdEncoding.DecodeString': 'base64',
  'encoding/base64.URLEncoding.DecodeString': 'base64',
  'encoding/base64.RawStdEncoding.DecodeString': 'base64',
  'encoding/base64.RawURLEncoding.DecodeString': 'base64',
  'encoding/hex.DecodeString': 'hex',
};

function decoderOf(call: CallView, q: NodeQuery): { kind: Decoder; arg: SyntaxNode } | null {
  const direct = DECODERS[call.callee];
  if (direct && call.args[0]) return { kind: direct, arg: call.args[0] };
  // Buffer.from("…", "base64"|"hex")
  if (/^Buffer\.from$/.test(call.callee) && call.args[0] && call.args[1]) {
    const enc = q.stringValue(call.args[1]);
    if (enc === 'base64' || enc === 'base64url' || enc === 'hex')
      return { kind: enc === 'hex' ? 'hex' : 'base64', arg: call.args[0] };
  }
  if (
    call.callee === 'codecs.decode' &&
    call.args[0] &&
    call.args[1] &&
    q.stringValue(call.args[1]) === 'hex'
  )
    return { kind: 'hex', arg: call.args[0] };
  return null;
}

function decode(kind: Decoder, text: string): string | null {
  const t = text.trim();
  if (kind === 'hex') return /^([0-9a-fA-F]{2})+$/.test(t) ? Buffer.from(t, 'hex').toString('latin1') : null;
  if (kind === 'base64')
    return /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) ? Buffer.from(t, 'base64').toString('latin1') : null;
  return null;
}

/** What a decoded constant hides, if it looks like a URL, an address or code. */
function hidden(decoded: string): string | null {
  // Binary data (images, keys), not text.
  const head = decoded.slice(0, 64);
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c < 9 || (c > 13 && c < 32)) return null;
  }
  if (/\b(https?|wss?|ftp):\/\/[\w.-]+/i.test(decoded)) return 'a URL';
  if (/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/.test(decoded)) return 'an IP address';
  if (
    /(\bimport\s+\w|\brequire\(|\bexec\(|\beval\(|\/bin\/(ba)?sh|\bcurl\s|\bwget\s|\bpowershell\b|subprocess|child_process|os\.system)/.test(
      decoded,
    )
  )
    return 'code';
  return null;
}

export default defineDetector({
  id: 'MCP-M002',
  class: 'M',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-506', 'CWE-912'],
  title: 'Obfuscated URL or code (base64/hex-encoded constant)',
  remediation:
    'Write URLs, hosts and code in clear text so reviewers and scanners can see them. An encoded endpoint or payload ' +
    'in a server is a strong sign of a hidden channel or a backdoor; remove it.',
  visitors: {
    onCall: (call, ctx) => {
      const d = decoderOf(call, ctx.q);
      if (!d) return;
      const text = ctx.q.stringValue(d.arg);
      if (text === null || text.length < 8) return;
      const decoded = decode(d.kind, text);
      if (decoded === null) return;
      const what = hidden(decoded);
      if (what)
        ctx.report(call.node, {
          message: `A ${d.kind}-encoded constant decodes to ${what} (${JSON.stringify(decoded.slice(0, 60))}): hidden from review`,
        });
    },
  },
});
