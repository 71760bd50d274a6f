import type { JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import type { RegistryKey } from './auth.js';
import { RegistryIndex } from './db/registry-index.js';
import type { RegistryDatabase } from './db/schema.js';
import type { ObjectStore } from './object-store/object-store.js';
import { KeyedLock } from './publish/keyed-lock.js';
import { PublishSlots } from './publish/publish-slots.js';
import { type ReadPolicy, RequestAccess } from './request-access.js';

export interface RegistryLimits {
  maxManifestBytes: number;
  maxBundleBytes: number;
  maxSnapshotBytes: number;
  maxAttestationBytes: number;
  /** Publishes being received at once (each may stage up to maxBundleBytes on disk). */
  maxConcurrentPublishes: number;
}

export const DEFAULT_REGISTRY_LIMITS: RegistryLimits = {
  maxManifestBytes: 64 * 1024,
  maxBundleBytes: 256 * 1024 * 1024,
  maxSnapshotBytes: 32 * 1024 * 1024,
  maxAttestationBytes: 1024 * 1024,
  maxConcurrentPublishes: 8,
};

export interface RegistryAuthOptions {
  /** Ed25519 public key, or a jose key resolver (e.g. `createRemoteJWKSet` over the hub's JWKS). */
  getKey: JWTVerifyGetKey | RegistryKey;
  issuer: string;
  audience?: string;
  /** Who may read without a token: anyone, loopback clients only (default), or nobody. */
  reads?: ReadPolicy;
  maxTokenTtlSeconds?: number;
}

export interface RegistryPluginOptions {
  /** Shared database; the registry only touches its own `registry_*` tables. */
  // biome-ignore lint/suspicious/noExplicitAny: the host's database type is unknown to the registry
  db: Kysely<any>;
  store: ObjectStore;
  auth: RegistryAuthOptions;
  limits?: Partial<RegistryLimits>;
  /** Bucket holding the content-addressed blobs (default `artifacts`). */
  bucket?: string;
  now?: () => Date;
  /**
   * Called after a version's status changed (the host announces revocations, e.g. over a broker).
   * The change is already committed; a throwing hook is logged, it does not undo it.
   */
  onStatusChange?: (change: StatusChange) => Promise<void> | void;
}

export interface StatusChange {
  name: string;
  version: string;
  from: string;
  to: string;
  reason: string | null;
  /** Manifest digest. */
  digest: string;
  bundleDigest: string;
  at: string;
}

/** Everything a route needs, built once per plugin registration (no module-level state). */
export interface RegistryContext {
  index: RegistryIndex;
  store: ObjectStore;
  bucket: string;
  limits: RegistryLimits;
  access: RequestAccess;
  /** Serialises the commit step of publishes of the same version. */
  publishLock: KeyedLock;
  /** Admission control for concurrent uploads. */
  publishSlots: PublishSlots;
  now: () => Date;
  onStatusChange?: RegistryPluginOptions['onStatusChange'];
}

export const ARTIFACTS_BUCKET = 'artifacts';

export function createRegistryContext(options: RegistryPluginOptions): RegistryContext {
  const limits = { ...DEFAULT_REGISTRY_LIMITS, ...options.limits };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new RangeError(`limits.${name} must be a positive integer`);
  }
  return {
    index: new RegistryIndex(options.db as Kysely<RegistryDatabase>),
    store: options.store,
    bucket: options.bucket ?? ARTIFACTS_BUCKET,
    limits,
    access: new RequestAccess({
      getKey: options.auth.getKey,
      issuer: options.auth.issuer,
      audience: options.auth.audience,
      maxTtlSeconds: options.auth.maxTokenTtlSeconds,
      reads: options.auth.reads ?? 'loopback',
    }),
    publishLock: new KeyedLock(),
    publishSlots: new PublishSlots(limits.maxConcurrentPublishes),
    now: options.now ?? (() => new Date()),
    ...(options.onStatusChange ? { onStatusChange: options.onStatusChange } : {}),
  };
}
