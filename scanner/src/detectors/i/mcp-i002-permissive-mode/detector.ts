import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery } from '../../api.js';
import { defineDetector } from '../../api.js';

/** Which argument (or option/keyword) holds the permission bits, per callee. */
const MODE_ARG: Record<string, number | { kw: string } | { option: number }> = {
  'os.chmod': 1,
  'os.fchmod': 1,
  'os.lchmod': 1,
  '*.chmod': 0,
  'os.makedirs': { kw: 'mode' },
  'os.mkdir': { kw: 'mode' },
  'fs.chmod': 1,
  'fs.chmodSync': 1,
  'fs.promises.chmod': 1,
  'fs/promises.chmod': 1,
  'fs.mkdirSync': { option: 1 },
  'fs.writeFileSync': { option: 2 },
  'fs.promises.writeFile': { option: 2 },
  'fs/promises.writeFile': { option: 2 },
  'os.Chmod': 1,
  'os.WriteFile': 2,
  'os.MkdirAll': 1,
  'os.Mkdir': 1,
  'os.OpenFile': 2,
};

function modeValue(node: SyntaxNode, q: NodeQuery): number | null {
  const text = q.text(q.resolve(node)).trim().replace(/_/g, '');
  if (text === 'os.ModePerm' || text === 'fs.ModePerm') return 0o777;
  let m = /^0o([0-7]+)$/i.exec(text);
  if (m) return Number.parseInt(m[1] as string, 8);
  m = /^0([0-7]+)$/.exec(text);
  if (m) return Number.parseInt(m[1] as string, 8);
  m = /^['"]([0-7]{3,4})['"]$/.exec(text);
  if (m) return Number.parseInt(m[1] as string, 8);
  if (/^\d+$/.test(text)) return Number(text);
  return null;
}

function modeNode(call: CallView, q: NodeQuery): SyntaxNode | null {
  const key = Object.keys(MODE_ARG).find((k) =>
    k.startsWith('*.') ? call.callee.endsWith(k.slice(1)) && call.language === 'python' : k === call.callee,
  );
  if (!key) return null;
  const spec = MODE_ARG[key];
  if (typeof spec === 'number')
    return call.args[spec] ?? (call.language === 'python' ? (call.kwargs.get('mode') ?? null) : null);
  if (spec && 'kw' in spec)
    return (
      call.kwargs.get(spec.kw) ??
      (call.callee === 'os.mkdir' || call.callee === 'os.makedirs' ? (call.args[1] ?? null) : null)
    );
  if (spec && 'option' in spec) {
    const opt = call.args[spec.option];
    return opt ? q.property(opt, 'mode') : null;
  }
  return null;
}

export default defineDetector({
  id: 'MCP-I002',
  class: 'I',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'medium',
  confidence: 'high',
  cwe: ['CWE-732'],
  title: 'World-writable or setuid file permissions (chmod 777)',
  remediation:
    'Create files and folders with the narrowest mode that works (0o600/0o700 for private data, 0o644/0o755 for ' +
    'shared read-only content); never make files world-writable or set the setuid/setgid bits.',
  visitors: {
    onCall: (call, ctx) => {
      const node = modeNode(call, ctx.q);
      if (!node) return;
      const mode = modeValue(node, ctx.q);
      if (mode === null) return;
      const what =
        mode & 0o4000
          ? 'sets the setuid bit'
          : mode & 0o2000
            ? 'sets the setgid bit'
            : mode & 0o002
              ? 'makes the file world-writable'
              : null;
      if (what)
        ctx.report(call.node, {
          message: `${call.rawCallee}(…, 0o${mode.toString(8)}) ${what}: any local user or process can tamper with it`,
          ...(mode & 0o6000 ? { severity: 'high' as const } : {}),
        });
    },
  },
});
