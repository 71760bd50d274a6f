import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AttestationError,
  type Manifest,
  RegistryClient,
  RegistryClientError,
  type ResolvedVersion,
  type VerifiedAttestation,
  verifyAttestation,
} from '@mcphub/registry/client';
import type { JWK } from 'jose';
import { safeExtractTarGz } from '../archive/safe-extract.js';
import type { CacheEntry, PackageCache } from './package-cache.js';
import { PullError } from './pull-error.js';

export interface PackageRef {
  name: string;
  /** exact version, semver range, `latest` or `sha256:<hex>` */
  reference: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/;

/** Parses `org/name`, `org/name@1.2.3`, `org/name@^1`, `org/name@sha256:<hex>`. */
export function parsePackageRef(ref: string): PackageRef {
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const reference = at < 0 ? 'latest' : ref.slice(at + 1);
  if (
    !NAME.test(name) ||
    name.includes('..') ||
    reference.length === 0 ||
    reference.length > 200 ||
    /[\s/]/.test(reference)
  ) {
    throw new PullError('SBX_ERR_PULL_REFERENCE', JSON.stringify(ref));
  }
  return { name, reference };
}

export type Jwks = { keys: JWK[] };

export interface PullOptions {
  registries: string[];
  cache: PackageCache;
  /** The hub keys attestations must verify against. */
  jwks: Jwks | (() => Promise<Jwks>);
  requireAttestation?: boolean;
  token?: string;
  fetch?: typeof fetch;
  /**
   * The local revocation list: a digest (manifest or bundle) listed here is refused even when the
   * registry still serves it or the bytes are already cached.
   */
  revoked?: (digests: string[]) => { reason: string; origin: string } | null;
}

export interface PulledPackage extends CacheEntry {
  manifest: Manifest;
  attestation: VerifiedAttestation | null;
  /** False when the bundle came from the cache (nothing was downloaded). */
  downloaded: boolean;
}

async function resolveSomewhere(
  ref: PackageRef,
  opts: PullOptions,
): Promise<{ client: RegistryClient; registry: string; resolved: ResolvedVersion }> {
  const problems: string[] = [];
  for (const registry of opts.registries) {
    const client = new RegistryClient({
      baseUrl: registry,
      ...(opts.token ? { token: opts.token } : {}),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
    try {
      return { client, registry, resolved: await client.resolve(ref.name, ref.reference) };
    } catch (err) {
      if (err instanceof RegistryClientError && err.code === 'REG_ERR_REVOKED')
        throw new PullError('SBX_ERR_PULL_REVOKED', `${err.message} (at ${registry})`);
      if (err instanceof RegistryClientError && err.statusCode === 404) {
        problems.push(`${registry}: not found`);
        continue;
      }
      problems.push(`${registry}: ${(err as Error).message}`);
    }
  }
  const allMissing = problems.every((p) => p.endsWith('not found'));
  throw new PullError(
    allMissing ? 'SBX_ERR_PULL_NOT_FOUND' : 'SBX_ERR_PULL_REGISTRY',
    `${ref.name}@${ref.reference} (${problems.join('; ')})`,
  );
}

/**
 * Resolves a reference against the configured registries in order, then — unless the bundle
 * digest is already cached — downloads it, checks its SHA-256 against the manifest, checks the
 * attestation's DSSE signature against the hub's JWKS and that it is about this very bundle,
 * unpacks it as hostile input, and caches it by digest. Nothing reaches the cache unverified.
 */
export async function pullPackage(refText: string, opts: PullOptions): Promise<PulledPackage> {
  const ref = parsePackageRef(refText);
  const { client, registry, resolved } = await resolveSomewhere(ref, opts);
  const manifest = resolved.manifest;
  const digest = manifest.bundle.digest;
  const revocation = opts.revoked?.([resolved.digest, digest]);
  if (revocation)
    throw new PullError(
      'SBX_ERR_PULL_REVOKED',
      `${ref.name}@${resolved.version} (${digest}) is on the revocation list: ${revocation.reason} (revoked at ${revocation.origin})`,
    );
  const requireAttestation = opts.requireAttestation ?? true;
  const jwks = typeof opts.jwks === 'function' ? await opts.jwks() : opts.jwks;

  const verify = (envelope: unknown): VerifiedAttestation => {
    try {
      return verifyAttestation(envelope, jwks, digest);
    } catch (err) {
      if (err instanceof AttestationError)
        throw new PullError('SBX_ERR_PULL_ATTESTATION_INVALID', err.message);
      throw err;
    }
  };

  const cached = await opts.cache.get(digest);
  if (cached) {
    let attestation: VerifiedAttestation | null = null;
    if (cached.attested)
      attestation = verify(JSON.parse(await fsp.readFile(join(cached.dir, 'attestation.json'), 'utf8')));
    else if (requireAttestation)
      throw new PullError('SBX_ERR_PULL_ATTESTATION_MISSING', `${ref.name}@${resolved.version}`);
    return { ...cached, manifest, attestation, downloaded: false };
  }

  if (!manifest.attestation && requireAttestation)
    throw new PullError('SBX_ERR_PULL_ATTESTATION_MISSING', `${ref.name}@${resolved.version}`);
  const staging = await opts.cache.staging();
  try {
    let bundle: Buffer;
    let envelopeBytes: Buffer | null = null;
    try {
      bundle = (await client.download(ref.name, resolved.digest)).bytes;
      if (manifest.attestation) envelopeBytes = await client.blob(manifest.attestation.digest);
    } catch (err) {
      if (err instanceof RegistryClientError && /DIGEST|MISMATCH|SIZE/.test(err.code))
        throw new PullError('SBX_ERR_PULL_DIGEST', err.message);
      throw new PullError('SBX_ERR_PULL_REGISTRY', (err as Error).message);
    }
    const attestation = envelopeBytes ? verify(JSON.parse(envelopeBytes.toString('utf8'))) : null;
    await fsp.writeFile(join(staging, 'bundle.tar.gz'), bundle);
    await fsp.writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2));
    if (envelopeBytes) await fsp.writeFile(join(staging, 'attestation.json'), envelopeBytes);
    await safeExtractTarGz(Readable.from([bundle]), join(staging, 'pkg'));
    const entry = await opts.cache.commit(staging, {
      name: ref.name,
      version: resolved.version,
      digest,
      manifestDigest: resolved.digest,
      registry,
      level: attestation ? attestation.statement.predicate.level : null,
      attested: attestation !== null,
      pulledAt: new Date().toISOString(),
      bytes: bundle.length,
    });
    return { ...entry, manifest, attestation, downloaded: true };
  } catch (err) {
    await fsp.rm(staging, { recursive: true, force: true });
    throw err;
  }
}
