import { isIP } from 'node:net';
import { SandboxError } from '../errors.js';

export interface AllowEntry {
  /** Lowercase host name, `*.suffix`, or a normalised IP literal (no brackets). */
  host: string;
  port: number;
  wildcard: boolean;
  ip: boolean;
  raw: string;
}

/** Parse `host:port`, `[v6]:port`, `*.example.com:443`. Throws SBX_ERR_ALLOWLIST_INVALID. */
export function parseAllowEntry(raw: string): AllowEntry {
  const s = raw.trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/[\]]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 1 || port > 65535) {
    throw new SandboxError(
      'SBX_ERR_ALLOWLIST_INVALID',
      `'${raw}' (expected host:port, e.g. api.example.com:443)`,
    );
  }
  const host = normalizeHost(m[1] ?? m[2]!);
  const wildcard = host.startsWith('*.');
  if (host.includes('*') && !(wildcard && !host.slice(2).includes('*'))) {
    throw new SandboxError('SBX_ERR_ALLOWLIST_INVALID', `'${raw}' (only a leading '*.' wildcard is allowed)`);
  }
  if (m[1] && isIP(host) !== 6) {
    throw new SandboxError('SBX_ERR_ALLOWLIST_INVALID', `'${raw}' (bracketed host must be IPv6)`);
  }
  return { host, port, wildcard, ip: isIP(host) !== 0, raw };
}

export function normalizeHost(h: string): string {
  return h
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

export interface AllowDecision {
  allowed: boolean;
  entry?: AllowEntry;
  reason: string;
}

/**
 * Is `host:port` allowed? Empty list = nothing is. An IP literal must itself be listed (a listed
 * name does not allow its addresses). `*.example.com` matches sub-domains only.
 */
export function matchAllowlist(entries: AllowEntry[], host: string, port: number): AllowDecision {
  const h = normalizeHost(host);
  if (entries.length === 0) return { allowed: false, reason: 'network allowlist is empty' };
  const hIsIp = isIP(h) !== 0;
  for (const e of entries) {
    if (e.port !== port) continue;
    if (hIsIp ? e.ip && e.host === h : !e.ip && (e.wildcard ? h.endsWith(e.host.slice(1)) : e.host === h)) {
      return { allowed: true, entry: e, reason: `allowed by '${e.raw}'` };
    }
  }
  return {
    allowed: false,
    reason: `${hIsIp && h.includes(':') ? `[${h}]` : h}:${port} is not in the network allowlist${hIsIp ? ' (IP literals must be listed as such)' : ''}`,
  };
}

/** Loopback, unspecified, link-local (incl. cloud metadata 169.254.169.254) and IPv4-mapped forms. */
export function isLocalAddress(addr: string): boolean {
  const a = addr.toLowerCase().replace(/^::ffff:/, '');
  if (isIP(a) === 4) return /^(127\.|0\.|169\.254\.)/.test(a);
  return a === '::1' || a === '::' || a.startsWith('fe80:');
}
