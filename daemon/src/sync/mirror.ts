import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttestationError,
  type PackageDetail,
  type RegistryClient,
  RegistryClientError,
  type VersionSummary,
  verifyAttestation,
  verifyBytes,
} from '@mcphub/registry';
import type { JWK } from 'jose';
import { HubError, type HubErrorCode } from '../errors.js';
import type { RevocationList } from './revocation-list.js';

export type Jwks = { keys: JWK[] };

export interface MirrorCounts {
  packages: number;
  versions: number;
  /** Versions whose bytes were downloaded, verified and published here. */
  transferred: number;
  /** Versions already here with the same digest. */
  skipped: number;
  /** Status changes copied (deprecated, yanked, revoked). */
  statusSynced: number;
  /** Revoked versions recorded in the revocation list (bytes never copied). */
  revoked: number;
  /** Versions refused (no attestation by a trusted key, digest mismatch, conflict): listed in `refusals`. */
  refused: number;
  refusals: { name: string; version: string; code: HubErrorCode; message: string }[];
  bytes: number;
}

export interface MirrorDeps {
  remote: RegistryClient;
  remoteUrl: string;
  local: RegistryClient;
  /** The remote hub's keys, trusted explicitly by the operator. */
  trusted: Jwks;
  revocations: RevocationList;
  org?: string;
  /** Stop after this many transfers (a partial run; the next run continues). */
  maxTransfers?: number;
  progress?: (line: string) => void;
}

const isNotFound = (err: unknown) => err instanceof RegistryClientError && err.statusCode === 404;

async function listRemoteNames(remote: RegistryClient, org?: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await remote.listPackages({
      ...(org ? { q: `${org}/` } : {}),
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    for (const p of page.packages) if (!org || p.name.startsWith(`${org}/`)) names.push(p.name);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return names.sort();
}

/**
 * `mcphub registry mirror`: copies a remote registry's packages into the local one. Each version
 * not present here (by version and manifest digest) is downloaded, its bundle checked against the
 * manifest digest and its attestation's DSSE signature checked against the remote hub's keys the
 * operator trusts, then published here unchanged (same manifest, same digests). Statuses follow;
 * revoked versions are not copied but go on the revocation list. Versions are independent, so an
 * interrupted run resumes where it stopped and a second run transfers nothing.
 */
export async function mirrorRegistry(deps: MirrorDeps): Promise<MirrorCounts> {
  const { remote, local, progress = () => undefined } = deps;
  const counts: MirrorCounts = {
    packages: 0,
    versions: 0,
    transferred: 0,
    skipped: 0,
    statusSynced: 0,
    revoked: 0,
    refused: 0,
    refusals: [],
    bytes: 0,
  };
  // A refused version is skipped, not fatal: the others are still mirrored, and the command fails
  // at the end naming each refusal.
  const refuse = (name: string, version: string, err: unknown) => {
    if (!(err instanceof HubError)) throw err;
    counts.refused += 1;
    counts.refusals.push({ name, version, code: err.code, message: err.message });
    progress(`refused ${name}@${version}: ${err.code}: ${err.message}`);
  };
  for (const name of await listRemoteNames(remote, deps.org)) {
    counts.packages += 1;
    const theirs = await remote.getPackage(name);
    let ours: PackageDetail['versions'] = [];
    try {
      ours = (await local.getPackage(name)).versions;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    // Oldest first: a partial run leaves a prefix of the history, like the remote's.
    const versions = [...theirs.versions].sort((a, b) => a.publishedAt.localeCompare(b.publishedAt));
    for (const v of versions) {
      counts.versions += 1;
      const here = ours.find((o) => o.version === v.version);
      if (v.status === 'revoked') {
        const added = deps.revocations.add([
          {
            schemaVersion: 1,
            name,
            version: v.version,
            digest: v.digest,
            bundleDigest: v.bundle.digest,
            reason: v.statusReason ?? 'revoked',
            revokedAt: new Date().toISOString(),
            origin: deps.remoteUrl,
          },
        ]);
        counts.revoked += added;
        if (here && here.status !== 'revoked' && here.digest === v.digest) {
          await local.setStatus(name, v.version, 'revoked', v.statusReason ?? `revoked at ${deps.remoteUrl}`);
          counts.statusSynced += 1;
        } else counts.skipped += 1;
        continue;
      }
      if (here) {
        if (here.digest !== v.digest) {
          refuse(
            name,
            v.version,
            new HubError(
              'HUB_ERR_MIRROR_CONFLICT',
              `${name}@${v.version} is ${here.digest} here but ${v.digest} at ${deps.remoteUrl}`,
            ),
          );
          continue;
        }
        counts.skipped += 1;
        await syncStatus(local, name, v, here, deps.remoteUrl, counts);
        continue;
      }
      if (deps.maxTransfers !== undefined && counts.transferred >= deps.maxTransfers) {
        progress(`stopping after ${counts.transferred} transfer(s) (--max-versions); run again to continue`);
        return counts;
      }
      try {
        counts.bytes += await transfer(deps, name, v);
      } catch (err) {
        refuse(name, v.version, err);
        continue;
      }
      counts.transferred += 1;
      progress(`mirrored ${name}@${v.version} ${v.digest}`);
      await syncStatus(local, name, v, { status: 'active' } as VersionSummary, deps.remoteUrl, counts);
    }
  }
  return counts;
}

async function syncStatus(
  local: RegistryClient,
  name: string,
  theirs: VersionSummary,
  ours: Pick<VersionSummary, 'status'>,
  remoteUrl: string,
  counts: MirrorCounts,
): Promise<void> {
  if (theirs.status === ours.status || ours.status === 'revoked') return;
  await local.setStatus(name, theirs.version, theirs.status, theirs.statusReason ?? `as at ${remoteUrl}`);
  counts.statusSynced += 1;
}

async function transfer(deps: MirrorDeps, name: string, v: VersionSummary): Promise<number> {
  const { remote, local } = deps;
  // By manifest digest: what we verify is exactly what the listing named.
  const { bytes: bundle, resolved } = await remote.download(name, v.digest);
  const manifest = resolved.manifest;
  if (resolved.digest !== v.digest)
    throw new HubError(
      'HUB_ERR_MIRROR_DIGEST',
      `${name}@${v.version}: manifest is ${resolved.digest}, listed ${v.digest}`,
    );
  verifyBytes(bundle, manifest.bundle);
  if (!manifest.attestation)
    throw new HubError(
      'HUB_ERR_MIRROR_UNTRUSTED',
      `${name}@${v.version} has no attestation; a mirror copies only attested packages`,
    );
  const attestation = await remote.blob(manifest.attestation.digest);
  try {
    verifyAttestation(
      JSON.parse(attestation.toString('utf8')),
      deps.trusted as never,
      manifest.bundle.digest,
    );
  } catch (err) {
    if (err instanceof AttestationError || err instanceof SyntaxError)
      throw new HubError(
        'HUB_ERR_MIRROR_UNTRUSTED',
        `${name}@${v.version}: the attestation does not verify against the trusted keys (${err.message})`,
      );
    throw err;
  }
  const snapshot = manifest.snapshot ? await remote.blob(manifest.snapshot.digest) : undefined;
  const published = await local.publish({
    manifest,
    bundle,
    attestation,
    ...(snapshot ? { snapshot } : {}),
  });
  if (published.digest !== v.digest)
    throw new HubError(
      'HUB_ERR_MIRROR_DIGEST',
      `${name}@${v.version} was stored here as ${published.digest}, not ${v.digest}`,
    );
  return bundle.length + attestation.length + (snapshot?.length ?? 0);
}

/** Loads a JWKS from a URL or a file. */
export async function loadJwksFrom(source: string): Promise<Jwks> {
  try {
    const jwks = /^https?:\/\//.test(source)
      ? await (async () => {
          const res = await fetch(source);
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          return (await res.json()) as Jwks;
        })()
      : (JSON.parse(readFileSync(source, 'utf8')) as Jwks);
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('no keys');
    return jwks;
  } catch (err) {
    throw new HubError('HUB_ERR_USAGE', `Cannot load trusted keys from ${source}: ${(err as Error).message}`);
  }
}

/**
 * Keys of remote hubs trusted besides the local hub's (`MCPHUB_HOME/trusted-jwks.json`): their
 * attestations verify on pull and their signed revocations are accepted. `registry mirror
 * --trust-jwks` and `registry trust` add to it.
 */
export function trustedKeysFile(home: string): string {
  return join(home, 'trusted-jwks.json');
}

/** The keys in `trusted-jwks.json` (none when it does not exist). */
export function readTrustedKeys(home: string): Jwks {
  const file = trustedKeysFile(home);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Jwks) : { keys: [] };
}

export function addTrustedKeys(home: string, jwks: Jwks): void {
  const file = trustedKeysFile(home);
  const current = readTrustedKeys(home);
  const kids = new Set(current.keys.map((k) => k.kid));
  // Public halves only, whatever the source file held.
  const publicKeys = jwks.keys.map(
    ({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, k: _k, ...pub }) => pub,
  );
  const merged = { keys: [...current.keys, ...publicKeys.filter((k) => !kids.has(k.kid))] };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(merged, null, 2)}\n`, { mode: 0o644 });
  renameSync(`${file}.tmp`, file);
}
