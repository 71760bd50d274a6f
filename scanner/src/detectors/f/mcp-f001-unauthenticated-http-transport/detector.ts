import { defineDetector } from '../../api.js';
import { AUTH_TEXT, httpTransportsByFile, languageOf } from '../http-transports.js';

export default defineDetector({
  id: 'MCP-F001',
  class: 'F',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-306'],
  title: 'MCP server served over HTTP/SSE without authentication',
  remediation:
    'Anyone who can reach an HTTP or SSE MCP endpoint can call every tool. Require a bearer token or OAuth ' +
    '(TS requireBearerAuth/mcpAuthRouter, FastMCP auth=AuthSettings + token_verifier, go-sdk ' +
    'auth.RequireBearerToken), or serve over stdio.',
  visitors: {
    onSurface: (ctx) => {
      if (ctx.surface.auth.length > 0) return;
      for (const t of httpTransportsByFile(ctx.surface)) {
        const lang = languageOf(t.location.file);
        const text = ctx.fileText(t.location.file) ?? '';
        if (lang && AUTH_TEXT[lang].test(text)) continue;
        ctx.reportAt(t.location, {
          message: `The MCP ${t.kind} endpoint (${t.detail}) is served without any authentication: every tool is callable by whoever reaches it`,
        });
      }
    },
  },
});
