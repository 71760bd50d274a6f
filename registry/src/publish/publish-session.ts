import { randomUUID } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import type { RegistryPrincipal } from '../auth.js';
import { assertAllowed } from '../auth.js';
import type { RegistryContext } from '../context.js';
import type { BlobRecord, VersionRecord } from '../db/registry-index.js';
import { casKey, type Digest, sha256Digest } from '../digest.js';
import { RegistryError } from '../errors.js';
import {
  type BlobField,
  canonicalManifestBytes,
  type Descriptor,
  declaredBlobs,
  MANIFEST_MEDIA_TYPE,
  type Manifest,
  parseManifest,
} from '../manifest.js';
import { type PackageName, parsePackageName } from '../names.js';
import { DigestingCounter } from './digesting-counter.js';
import { temporaryKey } from './stale-uploads.js';

export interface PublishResult {
  created: boolean;
  record: VersionRecord;
}

interface StagedBlob {
  tempKey: string;
  digest: Digest;
  size: number;
  mediaType: string;
}

interface AcceptedManifest {
  manifest: Manifest;
  pkg: PackageName;
  declared: Map<BlobField, Descriptor>;
}

const BLOB_FIELDS: readonly string[] = ['bundle', 'snapshot', 'attestation'] satisfies BlobField[];

/**
 * One publish, part by part. Every byte goes to a temporary key first and is verified against the
 * manifest; only then is it moved to its content address and indexed in one transaction. Whatever
 * fails, `discard()` deletes the temporary keys, so nothing is ever half-published.
 */
export class PublishSession {
  private readonly tempKeys = new Set<string>();
  private readonly staged = new Map<BlobField, StagedBlob>();
  private accepted: AcceptedManifest | undefined;

  constructor(
    private readonly ctx: RegistryContext,
    private readonly principal: RegistryPrincipal,
    private readonly signal: AbortSignal,
  ) {}

  /** The manifest must be the first part: it says what the following bytes must be. */
  async acceptManifest(bytes: Buffer): Promise<void> {
    if (this.accepted) throw new RegistryError('REG_ERR_UNEXPECTED_PART', 'Duplicate manifest part');
    if (bytes.length > this.ctx.limits.maxManifestBytes)
      throw new RegistryError('REG_ERR_MANIFEST_TOO_LARGE');
    const manifest = parseManifest(bytes);
    const pkg = parsePackageName(manifest.name);
    assertAllowed(this.principal, 'publish', pkg);
    const declared = declaredBlobs(manifest);
    for (const [field, descriptor] of declared) {
      if (descriptor.size > this.limitFor(field)) {
        throw new RegistryError(
          'REG_ERR_BLOB_TOO_LARGE',
          `Declared ${field} size exceeds ${this.limitFor(field)} bytes`,
        );
      }
    }
    await this.refuseConflictingVersion(pkg, manifest);
    this.accepted = { manifest, pkg, declared };
  }

  /** Streams one blob part to a temporary key while hashing and counting it. */
  async acceptBlob(field: string, body: Readable): Promise<void> {
    if (!this.accepted) {
      throw new RegistryError(
        'REG_ERR_MISSING_PART',
        'The manifest must be the first multipart part (a JSON-typed manifest field that is not valid JSON is dropped)',
      );
    }
    if (!BLOB_FIELDS.includes(field))
      throw new RegistryError('REG_ERR_UNEXPECTED_PART', `Unknown part ${field}`);
    const blobField = field as BlobField;
    const descriptor = this.accepted.declared.get(blobField);
    if (!descriptor) throw new RegistryError('REG_ERR_UNEXPECTED_PART', `The manifest declares no ${field}`);
    if (this.staged.has(blobField))
      throw new RegistryError('REG_ERR_UNEXPECTED_PART', `Duplicate ${field} part`);
    const counter = new DigestingCounter({
      maxBytes: this.limitFor(blobField),
      declaredSize: descriptor.size,
      requireGzip: blobField === 'bundle',
      field,
    });
    const tempKey = this.newTempKey();
    await this.ctx.store.put(
      this.ctx.bucket,
      tempKey,
      pipeline(body, counter, () => {}),
      { signal: this.signal },
    );
    this.staged.set(blobField, {
      tempKey,
      digest: counter.digest(),
      size: counter.size,
      mediaType: descriptor.mediaType,
    });
  }

  /** Verifies what arrived against the manifest, then promotes blobs and indexes the version. */
  async commit(): Promise<PublishResult> {
    if (!this.accepted) throw new RegistryError('REG_ERR_MISSING_PART', 'The manifest part is missing');
    const accepted = this.accepted;
    this.verifyStagedAgainst(accepted.declared);
    const lockKey = `${accepted.pkg.org}/${accepted.pkg.name}@${accepted.manifest.version}`;
    return this.ctx.publishLock.run(lockKey, () => this.promoteAndIndex(accepted));
  }

  private async promoteAndIndex({ manifest, pkg }: AcceptedManifest): Promise<PublishResult> {
    const manifestBytes = canonicalManifestBytes(manifest);
    const manifestDigest = sha256Digest(manifestBytes);
    const existing = await this.ctx.index.findVersion(pkg, manifest.version);
    if (existing) return this.answerExisting(existing, manifestDigest);

    const manifestTempKey = this.newTempKey();
    await this.ctx.store.put(this.ctx.bucket, manifestTempKey, manifestBytes, { signal: this.signal });
    const blobs: (StagedBlob & { digest: Digest })[] = [
      {
        tempKey: manifestTempKey,
        digest: manifestDigest,
        size: manifestBytes.length,
        mediaType: MANIFEST_MEDIA_TYPE,
      },
      ...this.staged.values(),
    ];
    const promoted: Digest[] = [];
    try {
      for (const blob of blobs) {
        if (await this.promote(blob)) promoted.push(blob.digest);
      }
      const record = this.versionRecord(manifest, pkg, manifestDigest, manifestBytes);
      const outcome = await this.ctx.index.insertPublished({
        version: record,
        blobs: blobs.map(toBlobRecord),
      });
      if (outcome.kind === 'exists') return this.answerExisting(outcome.existing, manifestDigest);
      return { created: true, record };
    } catch (error) {
      await this.unpromote(promoted);
      throw error;
    }
  }

  /**
   * Removes content-addressed blobs this session created when the publish then failed, unless the
   * index knows them (another version uses them). A concurrent publish deduplicating against one of
   * them in the same instant is the remaining window; the blob would then be missing (500), not wrong.
   */
  private async unpromote(digests: Digest[]): Promise<void> {
    for (const digest of digests) {
      const indexed = await this.ctx.index.findBlob(digest).catch(() => true);
      if (!indexed) await this.ctx.store.delete(this.ctx.bucket, casKey(digest)).catch(() => undefined);
    }
  }

  /** Deletes every temporary key this session still owns. Safe to call more than once. */
  async discard(): Promise<void> {
    for (const key of this.tempKeys) {
      await this.ctx.store.delete(this.ctx.bucket, key).catch(() => undefined);
      this.tempKeys.delete(key);
    }
  }

  private limitFor(field: BlobField): number {
    const { limits } = this.ctx;
    if (field === 'bundle') return limits.maxBundleBytes;
    return field === 'snapshot' ? limits.maxSnapshotBytes : limits.maxAttestationBytes;
  }

  private newTempKey(): string {
    // Wall-clock time, not ctx.now(): the sweep compares it with the real clock.
    const key = temporaryKey(new Date(), randomUUID());
    this.tempKeys.add(key);
    return key;
  }

  private async refuseConflictingVersion(pkg: PackageName, manifest: Manifest): Promise<void> {
    const existing = await this.ctx.index.findVersion(pkg, manifest.version);
    if (existing) this.answerExisting(existing, sha256Digest(canonicalManifestBytes(manifest)));
  }

  private answerExisting(existing: VersionRecord, manifestDigest: Digest): PublishResult {
    if (existing.manifestDigest !== manifestDigest) {
      throw new RegistryError(
        'REG_ERR_VERSION_EXISTS',
        `${existing.org}/${existing.name}@${existing.version} exists with digest ${existing.manifestDigest}`,
      );
    }
    return { created: false, record: existing };
  }

  private verifyStagedAgainst(declared: Map<BlobField, Descriptor>): void {
    for (const [field, descriptor] of declared) {
      const staged = this.staged.get(field);
      if (!staged) throw new RegistryError('REG_ERR_MISSING_PART', `The ${field} part is missing`);
      if (staged.size !== descriptor.size) {
        throw new RegistryError(
          'REG_ERR_DIGEST_MISMATCH',
          `${field}: received ${staged.size} bytes, the manifest declares ${descriptor.size}`,
        );
      }
      if (staged.digest !== descriptor.digest) {
        throw new RegistryError(
          'REG_ERR_DIGEST_MISMATCH',
          `${field}: received ${staged.digest}, the manifest declares ${descriptor.digest}`,
        );
      }
    }
  }

  /**
   * Moves a verified blob to its content address; an existing blob is never rewritten.
   * Returns true when this call created the blob.
   */
  private async promote(blob: StagedBlob): Promise<boolean> {
    const target = casKey(blob.digest);
    const exists = (await this.ctx.store.head(this.ctx.bucket, target)) !== null;
    if (exists) {
      await this.ctx.store.delete(this.ctx.bucket, blob.tempKey);
    } else {
      await this.ctx.store.move(this.ctx.bucket, blob.tempKey, target);
    }
    this.tempKeys.delete(blob.tempKey);
    return !exists;
  }

  private versionRecord(
    manifest: Manifest,
    pkg: PackageName,
    manifestDigest: Digest,
    manifestBytes: Buffer,
  ): VersionRecord {
    return {
      ...pkg,
      version: manifest.version,
      manifestDigest,
      manifestJson: manifestBytes.toString('utf8'),
      bundleDigest: manifest.bundle.digest as Digest,
      bundleSize: manifest.bundle.size,
      snapshotDigest: (manifest.snapshot?.digest as Digest | undefined) ?? null,
      attestationDigest: (manifest.attestation?.digest as Digest | undefined) ?? null,
      level: manifest.certification?.level ?? null,
      status: 'active',
      statusReason: null,
      statusChangedAt: null,
      publishedAt: this.ctx.now().toISOString(),
      publishedBy: this.principal.sub,
    };
  }
}

function toBlobRecord(blob: StagedBlob): BlobRecord {
  return { digest: blob.digest, size: blob.size, mediaType: blob.mediaType };
}
