/** Shared by the F (auth) detectors: MCP HTTP transports and auth markers in source text. */
import type { Language, McpSurface, McpTransport } from '../../types.js';

/** The first SSE / Streamable HTTP transport of each file (one finding per served endpoint set). */
export function httpTransportsByFile(surface: McpSurface): McpTransport[] {
  const first = new Map<string, McpTransport>();
  for (const t of surface.transports) {
    if (t.kind !== 'sse' && t.kind !== 'streamable-http') continue;
    const prev = first.get(t.location.file);
    if (
      !prev ||
      t.location.startLine < prev.location.startLine ||
      (t.location.startLine === prev.location.startLine && t.location.startColumn < prev.location.startColumn)
    )
      first.set(t.location.file, t);
  }
  return [...first.values()].sort((a, b) => (a.location.file < b.location.file ? -1 : 1));
}

export function languageOf(path: string): Language | null {
  if (/\.py$/.test(path)) return 'python';
  if (/\.go$/.test(path)) return 'go';
  if (/\.(ts|tsx|mts|cts)$/.test(path)) return 'typescript';
  if (/\.(js|mjs|cjs|jsx)$/.test(path)) return 'javascript';
  return null;
}

/** Authentication in a file's text, beyond the surface's auth signals (custom middleware, token checks). */
const TOKEN_CHECK = /\baccess_token\b|[vV]alid(ate)?_?[tT]oken|check_?[tT]oken/;

export const AUTH_TEXT: Record<Language, RegExp> = {
  python: new RegExp(
    `${TOKEN_CHECK.source}|token_verifier|AuthSettings|BearerAuth|OAuth|[Aa]uthorization|x-api-key|verify_token|api_key_header|HTTPBearer`,
  ),
  javascript: new RegExp(
    `${TOKEN_CHECK.source}|requireBearerAuth|mcpAuthRouter|bearerAuth|OAuthServerProvider|[Aa]uthorization|x-api-key|verifyToken|passport\\.authenticate|jwt\\.verify`,
  ),
  typescript: new RegExp(
    `${TOKEN_CHECK.source}|requireBearerAuth|mcpAuthRouter|bearerAuth|OAuthServerProvider|[Aa]uthorization|x-api-key|verifyToken|passport\\.authenticate|jwt\\.verify`,
  ),
  go: new RegExp(
    `${TOKEN_CHECK.source}|RequireBearerToken|VerifyToken|oauth2|"Authorization"|X-API-Key|jwt\\.Parse|WithHTTPContextFunc`,
  ),
};
