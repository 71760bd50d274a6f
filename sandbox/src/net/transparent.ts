import type { AllowEntry } from './allowlist.js';

export interface TransparentRoute {
  /** Loopback address inside the sandbox the name resolves to (127.0.0.2, .3, …). */
  ip: string;
  port: number;
  /** The allowlisted name the launcher asks the host proxy to CONNECT to. */
  host: string;
}

export interface TransparentPlan {
  routes: TransparentRoute[];
  /** Content of the sandbox's /etc/hosts. */
  hostsFile: string;
  /** Content of the sandbox's /etc/nsswitch.conf: files only (there is no DNS inside). */
  nsswitchFile: string;
}

function loopbackFor(n: number): string {
  // 127.0.0.2 … 127.0.0.254, then 127.0.1.1 …; 127.0.0.1 stays the sandbox's own localhost.
  const i = n + 2;
  return `127.${Math.floor(i / 65_536) % 256}.${Math.floor(i / 256) % 256}.${i % 256 || 1}`;
}

/**
 * Pure: a transparent path for allowlisted *names*, for clients that ignore proxy variables (Node
 * 20's fetch, database drivers, anything speaking raw TCP). Each name gets its own loopback address
 * in the sandbox's /etc/hosts; the launcher listens on that address at each allowed port and tunnels
 * every connection through the host proxy with CONNECT name:port — so the allowlist check, the name
 * resolution and the connection all still happen on the host. TLS stays end to end (the client
 * still talks to, and verifies, the real name). Wildcards and IP literals cannot be mapped this way;
 * they need the proxy variables or SOCKS5.
 */
export function planTransparentRoutes(entries: AllowEntry[]): TransparentPlan {
  const byHost = new Map<string, number[]>();
  for (const e of entries) {
    if (e.wildcard || e.ip || e.host === 'localhost') continue;
    const ports = byHost.get(e.host) ?? [];
    if (!ports.includes(e.port)) ports.push(e.port);
    byHost.set(e.host, ports);
  }
  const routes: TransparentRoute[] = [];
  const hostLines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  [...byHost.keys()].forEach((host, i) => {
    const ip = loopbackFor(i);
    hostLines.push(`${ip}\t${host}`);
    for (const port of byHost.get(host)!) routes.push({ ip, port, host });
  });
  return {
    routes,
    hostsFile: `${hostLines.join('\n')}\n`,
    nsswitchFile: 'hosts: files\n',
  };
}
