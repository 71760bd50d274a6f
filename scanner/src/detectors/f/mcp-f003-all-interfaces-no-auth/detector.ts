import type { CallView, NodeQuery } from '../../api.js';
import { defineDetector } from '../../api.js';
import { AUTH_TEXT } from '../http-transports.js';

const ALL_INTERFACES = /^(0\.0\.0\.0|::|\[::\])$/;
const GO_ALL_INTERFACES = /^(:\d*|0\.0\.0\.0:\d*|\[::\]:\d*)$/;
const MCP_IMPORT = /modelcontextprotocol|mcp\.server|from mcp\b|import mcp\b|mark3labs\/mcp-go|fastmcp/i;

function boundHost(call: CallView, q: NodeQuery): string | null {
  const str = (n: import('tree-sitter').SyntaxNode | undefined) => (n ? q.stringValue(n) : null);
  if (call.language === 'python') {
    const host = str(call.kwargs.get('host'));
    if (host === null || !ALL_INTERFACES.test(host)) return null;
    if (/^uvicorn\.run$/.test(call.callee)) return host;
    // FastMCP(host=...) matters only when the server is run over HTTP.
    if (/(^|\.)FastMCP$/.test(call.callee))
      return /transport\s*=\s*["'](sse|streamable-http|http)["']/.test(call.node.tree.rootNode.text)
        ? host
        : null;
    const transport = str(call.kwargs.get('transport')) ?? str(call.args[0]);
    return /(^|\.)run$/.test(call.callee) && transport !== null && transport !== 'stdio' ? host : null;
  }
  if (call.language === 'go') {
    if (!/(^|\.)(ListenAndServe|ListenAndServeTLS|Start)$/.test(call.callee)) return null;
    const addr = str(call.args[0]);
    return addr !== null && GO_ALL_INTERFACES.test(addr) ? addr : null;
  }
  if (!/(^|\.)listen$/.test(call.callee)) return null;
  // A raw TCP server (net.createServer) is not the MCP endpoint; MCP-M001 covers stray listeners.
  if (
    call.receiver &&
    /^net\.(createServer|Server)\b/.test(q.text(q.resolve(call.receiver)).replace(/^new\s+/, ''))
  )
    return null;
  for (const a of call.args) {
    const s = str(a);
    if (s !== null && ALL_INTERFACES.test(s)) return s;
  }
  return null;
}

export default defineDetector({
  id: 'MCP-F003',
  class: 'F',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-306', 'CWE-1327'],
  title: 'MCP server bound to all network interfaces without authentication',
  remediation:
    'Bind a local MCP server to 127.0.0.1 (host="127.0.0.1", listen(port, "127.0.0.1"), "127.0.0.1:8080"); a ' +
    'server meant for the network needs authentication (bearer token or OAuth) and TLS in front of it.',
  visitors: {
    onCall: (call, ctx) => {
      const host = boundHost(call, ctx.q);
      if (host === null) return;
      const text = call.node.tree.rootNode.text;
      if (!MCP_IMPORT.test(text) || AUTH_TEXT[ctx.language].test(text)) return;
      ctx.report(call.node, {
        message: `The MCP server listens on every interface (${host || 'all'}) and nothing in it checks who is calling: anyone on the network can call its tools`,
      });
    },
  },
});
