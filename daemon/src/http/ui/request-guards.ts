import { isIP } from 'node:net';

/** Names the daemon answers to: loopback, plus the host of `hub.publicUrl` and a specific bind address. */
export interface HostPolicy {
  /** The port the hub is bound to; null before listening (tests with `inject()`). */
  port: number | null;
  /** Extra `host[:port]` values (publicUrl's host, a non-wildcard bind address). */
  extra: readonly string[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Splits a Host header into a lower-cased hostname (IPv6 in brackets) and a port (null if absent). */
export function parseHost(host: string): { name: string; port: number | null } | null {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!m) return null;
  return { name: m[1]!.toLowerCase(), port: m[2] ? Number(m[2]) : null };
}

/**
 * DNS-rebinding defence: a page on attacker.example whose name now resolves to 127.0.0.1 still sends
 * `Host: attacker.example`. Only the daemon's own names pass; loopback names must carry the bound port.
 */
export function hostAllowed(hostHeader: string | undefined, policy: HostPolicy): boolean {
  if (!hostHeader) return false;
  const h = parseHost(hostHeader);
  if (!h) return false;
  if (LOOPBACK.has(h.name)) return policy.port === null || h.port === policy.port;
  return policy.extra.some((e) => {
    const x = parseHost(e);
    return x !== null && x.name === h.name && (x.port === null || x.port === h.port);
  });
}

/** A non-wildcard bind address is one of the daemon's names too. */
export function bindHostName(host: string, port: number | null): string | null {
  if (host === '0.0.0.0' || host === '::' || host === '') return null;
  const name = isIP(host) === 6 ? `[${host}]` : host;
  return port === null ? name : `${name}:${port}`;
}

export const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF defence for state-changing requests: a browser always sends `Origin` on them, so a foreign
 * (or `null`) Origin is refused; no Origin means a non-browser client (CLI, worker, webhook).
 * `Sec-Fetch-Site: cross-site` is refused too, for browsers that omit Origin.
 */
export function originAllowed(
  method: string,
  headers: { origin?: string | undefined; 'sec-fetch-site'?: string | undefined },
  policy: HostPolicy,
): boolean {
  if (!UNSAFE_METHODS.has(method.toUpperCase())) return true;
  if (headers['sec-fetch-site'] === 'cross-site') return false;
  const origin = headers.origin;
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes "null"
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const port = url.port ? url.port : url.protocol === 'https:' ? '443' : '80';
  return hostAllowed(`${url.hostname}:${port}`, policy) || hostAllowed(url.host, policy);
}

/** The UI's Content-Security-Policy: everything from the daemon itself, no inline script, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
