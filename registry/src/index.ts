export {
  AttestationError,
  DSSE_MEDIA_TYPE,
  type DsseEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  signEnvelope,
  verifyEnvelope,
} from './attestation/dsse.js';
export {
  buildStatement,
  type CertificationPredicate,
  MCPHUB_PREDICATE_TYPE,
  STATEMENT_TYPE,
  type Statement,
  signStatement,
  type VerifiedAttestation,
  verifyAttestation,
} from './attestation/in-toto.js';
export {
  assertAllowed,
  bearerToken,
  DEFAULT_MAX_TOKEN_TTL_SECONDS,
  isAllowed,
  isLoopbackAddress,
  type MintRegistryTokenOptions,
  mintRegistryToken,
  REGISTRY_SCOPES,
  type RegistryAction,
  type RegistryKey,
  type RegistryPrincipal,
  type RegistryScope,
  resourceMatches,
  type VerifyRegistryTokenOptions,
  verifyRegistryToken,
} from './auth.js';
export { canonicalJson } from './canonical-json.js';
export {
  type BlobSource,
  type DownloadResult,
  type PublishInput,
  RegistryClient,
  RegistryClientError,
  type RegistryClientOptions,
  verifyBytes,
} from './client.js';
export {
  ARTIFACTS_BUCKET,
  DEFAULT_REGISTRY_LIMITS,
  type RegistryAuthOptions,
  type RegistryLimits,
  type RegistryPluginOptions,
  type StatusChange,
} from './context.js';
export { createRegistryMigrator, migrateRegistry, REGISTRY_MIGRATIONS } from './db/migrations.js';
export type { BlobRecord, VersionRecord } from './db/registry-index.js';
export { type RegistryDatabase, VERSION_STATUSES, type VersionStatus } from './db/schema.js';
export {
  assertDigest,
  casKey,
  type Digest,
  digestHeaderValue,
  isDigest,
  sha256Digest,
} from './digest.js';
export {
  isRegistryError,
  REGISTRY_ERRORS,
  RegistryError,
  type RegistryErrorBody,
  type RegistryErrorCode,
} from './errors.js';
export {
  BUNDLE_MEDIA_TYPES,
  canonicalManifestBytes,
  type Descriptor,
  DescriptorSchema,
  MANIFEST_MEDIA_TYPE,
  type Manifest,
  ManifestSchema,
  manifestDigest,
  parseManifest,
  validateManifest,
} from './manifest.js';
export {
  assertStrictVersion,
  formatPackageName,
  isStrictVersion,
  type PackageName,
  parsePackageName,
} from './names.js';
export { FsObjectStore, type FsObjectStoreOptions } from './object-store/fs-object-store.js';
export {
  assertObjectKey,
  type ObjectInfo,
  type ObjectStore,
  type ObjectStoreOptions,
} from './object-store/object-store.js';
export { S3ObjectStore, type S3ObjectStoreOptions } from './object-store/s3-object-store.js';
export {
  type BuildRegistryAppOptions,
  buildRegistryApp,
  REGISTRY_MAX_PARAM_LENGTH,
  registryPlugin,
} from './plugin.js';
export { type SweepOptions, sweepStaleUploads } from './publish/stale-uploads.js';
export type { ReadPolicy } from './request-access.js';
export { latestVersion, parseVersionReference, resolveVersion, type VersionReference } from './resolve.js';
export type {
  PackageDetail,
  PackageList,
  PackageSummary,
  ResolvedVersion,
  VersionSummary,
} from './routes/schemas.js';
