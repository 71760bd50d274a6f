import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery, PickedArg } from '../../api.js';
import { defineDetector } from '../../api.js';

/** Only in OAuth code: the file speaks of redirect URIs (authorization endpoints, callbacks). */
const inOAuthCode = (call: CallView): boolean =>
  /redirect_uri|redirectUri|RedirectURI/i.test(call.node.tree.rootNode.text);
/**
 * Only the start of the target decides where the browser goes: in `${redirectUri}?code=${code}&state=${state}`
 * the state and code are query values, the first part is the origin.
 */
function leading(node: SyntaxNode, q: NodeQuery, depth = 0): SyntaxNode | null {
  if (depth > 3) return node;
  if (node.type === 'template_string') {
    const first = node.namedChildren[0];
    if (!first || first.startIndex !== node.startIndex + 1) return null; // starts with a literal origin
    return first.type === 'template_substitution' ? (first.namedChildren[0] ?? null) : null;
  }
  if (node.type === 'string' && /^[fF]/.test(node.text)) {
    const parts = node.namedChildren.filter((c) => c.type !== 'string_start' && c.type !== 'string_end');
    const first = parts[0];
    return first?.type === 'interpolation' ? (first.namedChildren[0] ?? null) : null;
  }
  if (node.type === 'binary_expression' || node.type === 'binary_operator') {
    const left = node.childForFieldName('left') ?? node.namedChildren[0];
    return left ? leading(left, q, depth + 1) : null;
  }
  if (q.isConstant(node)) return null;
  return node;
}

function pickTarget(call: CallView, q: NodeQuery): PickedArg[] {
  const url =
    call.language === 'go'
      ? call.args[2]
      : (call.kwargs.get('url') ?? [...call.args].reverse().find((a) => !/^\d+$/.test(a.text)));
  const lead = url ? leading(url, q) : null;
  return lead ? [{ node: lead }] : [];
}

const MESSAGE =
  'The OAuth redirect goes to a URI taken from the request without checking it against the registered ones';

export default defineDetector({
  id: 'MCP-F006',
  class: 'F',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-601'],
  title: 'OAuth redirect URI not validated against the registered ones',
  remediation:
    'Compare redirect_uri by exact string match with the URIs registered for the client before issuing a code or ' +
    'redirecting (the MCP authorization spec and OAuth 2.1 require it); otherwise authorization codes and tokens ' +
    'are sent to an attacker-chosen site.',
  taint: {
    sinkKind: 'redirect',
    sources: ['http-request', 'tool-param'],
    sinks: [
      {
        languages: ['javascript', 'typescript'],
        callee: ['*.redirect'],
        pick: pickTarget,
        when: inOAuthCode,
        message: MESSAGE,
      },
      {
        languages: ['python'],
        callee: ['*.RedirectResponse', 'RedirectResponse', 'flask.redirect', 'redirect'],
        pick: pickTarget,
        when: inOAuthCode,
        message: MESSAGE,
      },
      {
        languages: ['go'],
        callee: ['net/http.Redirect'],
        pick: pickTarget,
        when: inOAuthCode,
        message: MESSAGE,
      },
    ],
  },
});
