import { defineDetector } from '../../api.js';
import { fileTextOf, servesStdio } from '../file-text.js';

const LISTENERS: Record<string, RegExp> = {
  python:
    /^(socket\.socket\(\)\.(bind|listen)|socket\.create_server|http\.server\.(HTTPServer|ThreadingHTTPServer)|socketserver\.(TCPServer|UDPServer|ThreadingTCPServer)|asyncio\.start_server|asyncio\.start_unix_server|aiohttp\.web\.run_app|aiohttp\.web\.TCPSite|uvicorn\.run|flask\.Flask\(\)\.run|websockets\.serve|xmlrpc\.server\.SimpleXMLRPCServer)$/,
  javascript:
    /^((node:)?(http|https|net|http2|tls)\.createServer\(\)\.listen|(node:)?dgram\.createSocket\(\)\.bind|express\(\)\.listen|fastify\(\)\.listen|ws\.WebSocketServer|ws\.Server)$/,
  go: /^(net\.Listen|net\.ListenTCP|net\.ListenUDP|net\.ListenPacket|net\/http\.ListenAndServe|net\/http\.ListenAndServeTLS|net\/http\.Serve)$/,
};

export default defineDetector({
  id: 'MCP-M001',
  class: 'M',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-1242', 'CWE-912'],
  title: 'A stdio MCP server opens a network listener',
  remediation:
    'A stdio server talks to its client over stdin/stdout and needs no listening socket. Remove the listener, or ' +
    'make the server an HTTP server on purpose (declared transport, authentication, loopback bind) and document it.',
  visitors: {
    onCall: (call, ctx) => {
      const re = LISTENERS[call.language === 'typescript' ? 'javascript' : call.language];
      if (!re?.test(call.callee)) return;
      if (!servesStdio(fileTextOf(call.node), call.language)) return;
      ctx.report(call.node, {
        message: `${call.rawCallee}(…) opens a network listener in a server that speaks MCP over stdio: an undeclared inbound channel`,
      });
    },
  },
});
