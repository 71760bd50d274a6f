import type { Language } from '../../../types.js';
import { defineDetector } from '../../api.js';
import { httpTransportsByFile, languageOf } from '../http-transports.js';

/** Origin / Host validation, or the SDK options that turn it on. */
const VALIDATION: Record<Language, RegExp> = {
  python:
    /TransportSecuritySettings|enable_dns_rebinding_protection\s*=\s*True|TrustedHostMiddleware|headers\.get\(\s*["'](origin|host)["']|headers\[\s*["'](origin|host)["']\s*\]/i,
  javascript:
    /enableDnsRebindingProtection\s*:\s*true|allowedHosts\s*:|allowedOrigins\s*:|createMcpExpressApp|hostHeaderValidation|headers\.(origin|host)\b|headers\[\s*['"](origin|host)['"]\s*\]|\.get\(\s*['"](origin|host)['"]\s*\)/i,
  typescript:
    /enableDnsRebindingProtection\s*:\s*true|allowedHosts\s*:|allowedOrigins\s*:|createMcpExpressApp|hostHeaderValidation|headers\.(origin|host)\b|headers\[\s*['"](origin|host)['"]\s*\]|\.get\(\s*['"](origin|host)['"]\s*\)/i,
  go: /Header\.Get\("Origin"\)|CrossOriginProtection|r\.Host\s*!=|allowedHosts|AllowedOrigins/,
};

/**
 * FastMCP (mcp >= 1.14) turns DNS-rebinding protection on by itself when it binds a loopback host (the
 * default): only an explicit other host leaves it off.
 */
const PY_NON_LOOPBACK_HOST = /FastMCP\((?:[^()]|\([^()]*\))*?\bhost\s*=\s*["'](?!127\.|localhost|::1)/;

export default defineDetector({
  id: 'MCP-F002',
  class: 'F',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'medium',
  confidence: 'medium',
  cwe: ['CWE-350', 'CWE-346'],
  title: 'HTTP/SSE transport without Origin/Host validation (DNS rebinding)',
  remediation:
    'A web page the user visits can reach a local MCP endpoint through DNS rebinding. Validate the Host and ' +
    'Origin headers: TS new StreamableHTTPServerTransport({ enableDnsRebindingProtection: true, allowedHosts, ' +
    'allowedOrigins }) or createMcpExpressApp(); FastMCP transport_security=TransportSecuritySettings(...); Go ' +
    'http.NewCrossOriginProtection() or an explicit Origin/Host check before the MCP handler.',
  visitors: {
    onSurface: (ctx) => {
      for (const t of httpTransportsByFile(ctx.surface)) {
        const lang = languageOf(t.location.file);
        const text = ctx.fileText(t.location.file) ?? '';
        if (!lang || VALIDATION[lang].test(text)) continue;
        if (lang === 'python' && !PY_NON_LOOPBACK_HOST.test(text)) continue;
        ctx.reportAt(t.location, {
          message: `The MCP ${t.kind} endpoint (${t.detail}) accepts requests without checking Origin or Host: a web page can reach it through DNS rebinding`,
        });
      }
    },
  },
});
