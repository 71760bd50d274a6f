import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery, VisitContext } from '../../api.js';
import { defineDetector } from '../../api.js';

const PARAM = '(access_token|token|auth_token|id_token|api_key|apikey|api-key|client_secret|password|secret)';
/** `?access_token=` / `&api_key=` in a URL the server builds. */
const IN_URL = new RegExp(`[?&]${PARAM}=`, 'i');
/** Reading a credential from the query of an incoming request. */
const READS = [
  new RegExp(`\\b(req|request)\\.query\\.${PARAM}\\b`, 'i'),
  new RegExp(`\\b(req|request)\\.query\\[\\s*['"]${PARAM}['"]\\s*\\]`, 'i'),
  new RegExp(
    `\\b(request\\.args|request\\.query_params|searchParams|URL\\.Query\\(\\))\\.(get|Get)\\(\\s*['"]${PARAM}['"]`,
    'i',
  ),
];

const CLIENT =
  /^(fetch|axios(\.\w+)?|got(\.\w+)?|requests\.\w+|httpx\.\w+|urllib\.request\.urlopen|net\/http\.(Get|Post|NewRequest|NewRequestWithContext)|\w+\.(get|post|put|delete|patch|request))$/;

function urlText(node: SyntaxNode, q: NodeQuery): string {
  const resolved = q.resolve(node);
  let text = q.text(resolved);
  // One level through the identifiers a template or concatenation is built from.
  for (const id of resolved.descendantsOfType('identifier')) {
    const v = q.resolve(id);
    if (v.id !== id.id) text += ` ${q.text(v)}`;
  }
  return text;
}

function onCall(call: CallView, ctx: VisitContext): void {
  if (!CLIENT.test(call.callee)) return;
  const urlArg =
    call.language === 'go' && /NewRequest/.test(call.callee)
      ? call.args[call.callee.endsWith('Context') ? 2 : 1]
      : call.args[0];
  if (!urlArg) return;
  const m = IN_URL.exec(urlText(urlArg, ctx.q));
  if (!m) return;
  ctx.report(call.node, {
    message: `A credential is sent in the URL query ("${m[0]}"): it ends up in proxy, server and browser logs and in Referer headers`,
  });
}

function visitMember(node: SyntaxNode, ctx: VisitContext): void {
  // Only the outermost expression, once.
  const parent = node.parent;
  if (parent && (parent.type === node.type || parent.type === 'call_expression' || parent.type === 'call')) {
    if (parent.type === node.type) return;
  }
  const text = node.text;
  if (text.length > 100) return;
  const m = READS.map((r) => r.exec(text)).find((x) => x);
  if (!m) return;
  if (node.type !== 'call' && node.type !== 'call_expression' && READS.slice(2).some((r) => r.test(text)))
    return;
  ctx.report(node, {
    message: `A credential is read from the request's query string ("${m[0]}"): tokens in URLs leak through logs and Referer headers; accept them in the Authorization header`,
  });
}

export default defineDetector({
  id: 'MCP-F005',
  class: 'F',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'medium',
  confidence: 'medium',
  cwe: ['CWE-598'],
  title: 'Access token or API key in a URL query string',
  remediation:
    'Send and accept credentials in the Authorization header (the MCP authorization specification forbids tokens ' +
    'in the query string): URLs are written to access logs, proxies, browser history and Referer headers.',
  visitors: {
    onCall,
    onNode: {
      types: ['member_expression', 'subscript_expression', 'call_expression', 'call'],
      visit: visitMember,
    },
  },
});
