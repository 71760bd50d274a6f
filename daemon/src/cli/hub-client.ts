import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubError } from '../errors.js';

export interface HubTarget {
  url: string;
  token: string | undefined;
}

/** Finds the hub: --hub, MCPHUB_HUB_URL, the running daemon's daemon.json, then the default port. */
export function resolveHub(home: string, opts: { hub?: string; token?: string }): HubTarget {
  let url = opts.hub ?? process.env.MCPHUB_HUB_URL;
  const runtime = join(home, 'daemon.json');
  if (!url && existsSync(runtime)) {
    try {
      url = (JSON.parse(readFileSync(runtime, 'utf8')) as { hubUrl?: string }).hubUrl ?? undefined;
    } catch {
      // a stale or partial file: fall through to the default
    }
  }
  let token = opts.token ?? process.env.MCPHUB_HUB_TOKEN;
  const adminFile = join(home, 'keys', 'admin-token');
  if (!token && existsSync(adminFile)) token = readFileSync(adminFile, 'utf8').trim();
  return { url: (url ?? 'http://127.0.0.1:8080').replace(/\/$/, ''), token };
}

/** Calls the hub API; a coded error body becomes a HubError-like exception with that code. */
export async function hubFetch<T>(hub: HubTarget, path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (hub.token) headers.set('authorization', `Bearer ${hub.token}`);
  let res: Response;
  try {
    res = await fetch(`${hub.url}${path}`, { ...init, headers });
  } catch (err) {
    throw new HubError(
      'HUB_ERR_USAGE',
      `Cannot reach the hub at ${hub.url}: ${(err as Error).message}. Is \`mcphub daemon\` running?`,
    );
  }
  const text = await res.text();
  const body = text
    ? (JSON.parse(text) as T & { code?: string; message?: string })
    : ({} as T & { code?: string; message?: string });
  if (!res.ok) {
    const e = new Error(body.message ?? `HTTP ${res.status}`) as Error & { code?: string };
    e.code = body.code ?? `HTTP_${res.status}`;
    throw e;
  }
  return body;
}
