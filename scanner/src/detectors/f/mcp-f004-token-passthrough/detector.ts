import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery } from '../../api.js';
import { defineDetector } from '../../api.js';

/** The credential the MCP client presented: its Authorization header or the SDK's verified access token. */
const INCOMING =
  /\b(req|request|r|ctx\.request_context\.request|httpRequest)\.(headers?|Header)\b[^;\n]{0,40}authorization|authInfo\??\.token|\bget_access_token\(\)|\bHeader\.Get\("Authorization"\)|\bget_http_headers\(\)|\bTokenInfoFromContext\(/i;
/** Formatting keeps the token; any other call (an exchange, a lookup) replaces it. */
const FORMATTING = /^(fmt\.Sprintf|String|str|format|\w+\.format|strings\.TrimSpace|\w+\.strip|\w+\.trim)$/;
/** Calls that return the client's credential itself. */
const GETTERS = /(^|\.)(get_access_token|TokenInfoFromContext|get_http_headers)$/;
const MEMBERS = new Set([
  'member_expression',
  'attribute',
  'subscript_expression',
  'subscript',
  'selector_expression',
]);

function carriesIncoming(node: SyntaxNode, q: NodeQuery, depth = 0): boolean {
  if (depth > 4) return false;
  if (/^(await|await_expression|parenthesized_expression)$/.test(node.type)) {
    return node.namedChildren.some((c) => carriesIncoming(c, q, depth + 1));
  }
  if (/^(call|call_expression)$/.test(node.type)) {
    const fn = node.childForFieldName('function')?.text ?? '';
    if (GETTERS.test(fn)) return true;
    const args = node.childForFieldName('arguments')?.text ?? '';
    if (/(^|\.)(get|Get)$/.test(fn) && /headers|Header/.test(fn) && /authorization/i.test(args)) return true;
    if (!FORMATTING.test(fn)) return false;
    return (node.childForFieldName('arguments')?.namedChildren ?? []).some((a) =>
      carriesIncoming(a, q, depth + 1),
    );
  }
  if (node.type === 'identifier') {
    const value = q.resolve(node);
    return value.id !== node.id && carriesIncoming(value, q, depth + 1);
  }
  if (MEMBERS.has(node.type) && INCOMING.test(node.text)) return true;
  return node.namedChildren.some((c) => carriesIncoming(c, q, depth + 1));
}

function authorizationValue(call: CallView, q: NodeQuery): SyntaxNode | null {
  const headerIn = (opts: SyntaxNode | null | undefined): SyntaxNode | null => {
    if (!opts) return null;
    const headers = q.property(opts, 'headers') ?? q.property(opts, 'Headers');
    if (!headers) return null;
    return q.property(headers, 'Authorization') ?? q.property(headers, 'authorization');
  };
  if (call.language === 'go') {
    if (!/\.Header\.(Set|Add)$/.test(call.callee)) return null;
    const key = call.args[0] ? q.stringValue(call.args[0]) : null;
    return key?.toLowerCase() === 'authorization' ? (call.args[1] ?? null) : null;
  }
  if (call.language === 'python') {
    if (
      !/^(requests|httpx)\.|(^|\.)(get|post|put|patch|delete|request|AsyncClient|Client)$/.test(call.callee)
    )
      return null;
    const headers = call.kwargs.get('headers');
    return headers ? (q.property(headers, 'Authorization') ?? q.property(headers, 'authorization')) : null;
  }
  if (
    /(^|\.)(set|append)$/.test(call.callee) &&
    call.args[0] &&
    /^authorization$/i.test(q.stringValue(call.args[0]) ?? '')
  )
    return call.args[1] ?? null;
  if (
    !/^(fetch|axios(\.\w+)?|got(\.\w+)?|undici\.request|\w+\.(get|post|put|patch|delete|request))$/.test(
      call.callee,
    )
  )
    return null;
  for (const a of call.args) {
    const v = headerIn(a);
    if (v) return v;
  }
  return null;
}

export default defineDetector({
  id: 'MCP-F004',
  class: 'F',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-441', 'CWE-287'],
  title: "Token passthrough: the client's token is forwarded to an upstream API",
  remediation:
    'An MCP server must not forward the token it was given (the MCP specification forbids token passthrough): ' +
    'the upstream API cannot tell who it is talking to and the token is not meant for it. Exchange it for an ' +
    'upstream token (OAuth token exchange / on-behalf-of) or use the server’s own credentials.',
  visitors: {
    onCall: (call, ctx) => {
      const value = authorizationValue(call, ctx.q);
      if (!value || !carriesIncoming(value, ctx.q)) return;
      ctx.report(call.node, {
        message:
          'The Authorization header of this upstream request is the token the MCP client presented (token passthrough)',
      });
    },
  },
});
