import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { HubError } from '../errors.js';
import { RevocationList } from '../sync/revocation-list.js';

/** Looks digests up in this home's revocation list (revoked here, announced by a hub, or mirrored). */
export function revokedCheck(config: Config) {
  const list = new RevocationList(config.home);
  return (digests: string[]) => list.find(digests);
}

/** The registries `pull` uses: the configured list, or the local registry. */
export function registriesOf(config: Config): string[] {
  if (config.client.registries.length > 0) return config.client.registries;
  return [localRegistryUrl(config)];
}

/** The local registry: configured, else the running daemon's (daemon.json), else the default port. */
export function localRegistryUrl(config: Config): string {
  if (config.registry.url) return config.registry.url;
  const runtime = join(config.home, 'daemon.json');
  if (existsSync(runtime)) {
    const url = (JSON.parse(readFileSync(runtime, 'utf8')) as { registryUrl?: string }).registryUrl;
    if (url) return url;
  }
  return `http://${config.registry.host}:${config.registry.port}`;
}

/** Loads the trusted JWKS from a URL or a file; by default from the local hub. */
export async function loadJwks(config: Config): Promise<{ keys: never[] }> {
  let source = config.client.jwks;
  if (!source) {
    const runtime = join(config.home, 'daemon.json');
    const hubUrl = existsSync(runtime)
      ? (JSON.parse(readFileSync(runtime, 'utf8')) as { hubUrl?: string }).hubUrl
      : undefined;
    source = `${hubUrl ?? `http://${config.hub.host}:${config.hub.port}`}/.well-known/jwks.json`;
  }
  try {
    const jwks = /^https?:\/\//.test(source)
      ? await (async () => {
          const res = await fetch(source);
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          return (await res.json()) as { keys: never[] };
        })()
      : (JSON.parse(readFileSync(source, 'utf8')) as { keys: never[] });
    // Keys of remote hubs trusted by `mcphub registry mirror --trust-jwks` (mirrored packages).
    const extra = join(config.home, 'trusted-jwks.json');
    if (existsSync(extra))
      jwks.keys.push(...(JSON.parse(readFileSync(extra, 'utf8')) as { keys: never[] }).keys);
    return jwks;
  } catch (err) {
    throw new HubError(
      'HUB_ERR_USAGE',
      `Cannot load the trusted keys from ${source}: ${(err as Error).message} (set client.jwks)`,
    );
  }
}

export async function pullCommand(
  config: Config,
  ref: string,
  out: (s: string) => void,
  progress: (s: string) => void,
): Promise<void> {
  const { PackageCache, pullPackage } = await import('@mcphub/sandbox');
  const pulled = await pullPackage(ref, {
    registries: registriesOf(config),
    cache: new PackageCache(join(config.home, 'cache')),
    jwks: () => loadJwks(config),
    requireAttestation: config.client.requireAttestation,
    revoked: revokedCheck(config),
  });
  progress(
    `${pulled.downloaded ? 'pulled' : 'cached'} ${pulled.name}@${pulled.version} ${pulled.digest} · ${
      pulled.attestation ? `attested level ${pulled.level}` : 'NOT attested'
    } · from ${pulled.registry}`,
  );
  out(
    JSON.stringify({
      name: pulled.name,
      version: pulled.version,
      digest: pulled.digest,
      level: pulled.level,
      attested: pulled.attested,
      downloaded: pulled.downloaded,
      path: pulled.packageDir,
    }),
  );
}

export async function cacheCommand(
  config: Config,
  action: string,
  target: string | undefined,
  out: (s: string) => void,
): Promise<void> {
  const { PackageCache } = await import('@mcphub/sandbox');
  const cache = new PackageCache(join(config.home, 'cache'));
  const row = (e: {
    name: string;
    version: string;
    digest: string;
    level: number | null;
    bytes: number;
    pulledAt: string;
  }) =>
    `${`${e.name}@${e.version}`.padEnd(40)} ${e.digest.slice(0, 19)}…  level ${e.level ?? '-'}  ${String(e.bytes).padStart(10)} B  ${e.pulledAt}`;
  if (action === 'ls') {
    const entries = await cache.list();
    out(entries.length ? entries.map(row).join('\n') : '(the cache is empty)');
  } else if (action === 'rm') {
    if (!target) throw new HubError('HUB_ERR_USAGE', 'cache rm needs a digest, a name or name@version');
    const removed = await cache.remove(target);
    if (removed.length === 0) throw new HubError('HUB_ERR_NOT_FOUND', `Nothing cached matches ${target}`);
    out(removed.map((e) => `removed ${row(e)}`).join('\n'));
  } else if (action === 'prune') {
    const removed = await cache.prune();
    out(removed.length ? removed.map((e) => `removed ${row(e)}`).join('\n') : 'nothing to prune');
  } else {
    throw new HubError('HUB_ERR_USAGE', `Unknown cache action ${action}; use ls, rm or prune`);
  }
}
