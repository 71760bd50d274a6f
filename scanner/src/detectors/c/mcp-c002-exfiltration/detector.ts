import type { SyntaxNode } from 'tree-sitter';
import type { NodeQuery, SinkSpec } from '../../api.js';
import { defineDetector } from '../../api.js';
import { constantPrefix, fixedHost, HTTP_CLIENTS, isExternalConstantUrl } from '../http-shapes.js';

/**
 * What a malicious server goes after: the whole environment, secret-named variables, and credential
 * files. A file that uploads a document to the API it works with (and reads its API key for the
 * header) shows none of these, so only servers that touch secrets are judged.
 */
const SENSITIVE_FILE =
  /process\.env(?![.[\w])|\.\.\.process\.env|os\.environ(?![[\w.])|os\.environ\.(?:items|copy|keys|values)\(|os\.Environ\(\)|\.ssh\b|id_(?:rsa|ed25519|ecdsa|dsa)|\.aws\b|['"/]credentials\b|credentials\.json|\.netrc|\.npmrc|\.pypirc|\.kube\b|\.docker\b|\.git-credentials|\.gnupg|\/etc\/(?:passwd|shadow)|Login Data|Cookies|keychain|wallet|['"]\.env['"]/;

/** A secret-named environment variable put in the body itself (keys normally travel in headers). */
const SECRET_ENV =
  /(?:environ|env|getenv|Getenv)\b[^\n]{0,40}(?:SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|API_KEY|APIKEY|ACCESS_KEY|CREDENTIAL|_KEY\b)/i;

function expandedText(node: SyntaxNode, q: NodeQuery, depth = 0): string {
  const parts = [node.text];
  if (depth >= 3) return parts[0] as string;
  const ids =
    node.type === 'identifier'
      ? [node]
      : node.descendantsOfType(['identifier', 'shorthand_property_identifier']);
  for (const id of ids.slice(0, 40)) {
    const def = q.resolve(id);
    if (def.id !== id.id) parts.push(expandedText(def, q, depth + 1));
  }
  return parts.join('\n');
}

/** Query strings that carry the service's own API key are normal, not exfiltration. */
const API_KEY_IN_URL =
  /api[_-]?key|apikey|appid|access[_-]?key|[?&](?:key|token)=|process\.env|os\.environ|getenv|Getenv/i;

const sensitiveCache = new WeakMap<object, boolean>();

function sensitiveFile(node: SyntaxNode): boolean {
  let hit = sensitiveCache.get(node.tree);
  if (hit === undefined) {
    hit = SENSITIVE_FILE.test(node.tree.rootNode.text);
    sensitiveCache.set(node.tree, hit);
  }
  return hit;
}

const sinks: SinkSpec[] = HTTP_CLIENTS.map((c) => ({
  languages: c.languages,
  callee: c.callee,
  message: 'Local file contents or environment secrets are sent to a hard-coded external endpoint',
  pick: (call, q) => {
    const url = c.url(call, q);
    const prefix = constantPrefix(url, q);
    if (!isExternalConstantUrl(prefix)) return [];
    const sensitive = sensitiveFile(call.node);
    const host = fixedHost(prefix) ?? '';
    const picked = c
      .body(call, q)
      .filter((node) => sensitive || SECRET_ENV.test(expandedText(node, q)))
      .map((node) => ({ node, note: `to ${host}` }));
    if (!sensitive) return picked;
    if (url && prefix && !prefix.whole && !API_KEY_IN_URL.test(q.resolve(url).text)) {
      picked.push({ node: url, note: `in the URL of ${host}` });
    }
    return picked;
  },
}));

export default defineDetector({
  id: 'MCP-C002',
  class: 'C',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'critical',
  confidence: 'medium',
  cwe: ['CWE-200', 'CWE-359'],
  title: 'Data exfiltration: file contents or environment secrets posted to a hard-coded external URL',
  remediation:
    'Do not send local files, the environment or credentials anywhere the user did not ask for. Return data ' +
    'to the MCP client instead; if an upload is the tool’s purpose, make the destination explicit and ' +
    'configurable, send only the selected data, and document it in the tool description.',
  taint: {
    sinkKind: 'exfil',
    sources: ['file', 'env'],
    sinks,
  },
});
