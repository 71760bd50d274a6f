import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { type Digest, digestFromHash } from '../digest.js';
import { RegistryError } from '../errors.js';

const GZIP_MAGIC = [0x1f, 0x8b];

export interface DigestingCounterOptions {
  /** Hard limit; one byte more fails the stream with `REG_ERR_BLOB_TOO_LARGE`. */
  maxBytes: number;
  /** The size the manifest declared; more bytes than this fail early with `REG_ERR_DIGEST_MISMATCH`. */
  declaredSize: number;
  /** Check the gzip magic bytes at the start of the stream. */
  requireGzip: boolean;
  field: string;
}

/**
 * Passes bytes through while hashing and counting them, so a blob is verified in the same pass that
 * stores it. Declared sizes are never trusted: the count is what the bytes say.
 */
export class DigestingCounter extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private readonly head: number[] = [];

  constructor(private readonly options: DigestingCounterOptions) {
    super();
  }

  get size(): number {
    return this.count;
  }

  digest(): Digest {
    return digestFromHash(this.hash);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    const error = this.sizeError() ?? this.magicError(chunk);
    if (error) {
      callback(error);
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const truncatedMagic = this.options.requireGzip && this.head.length < GZIP_MAGIC.length;
    callback(truncatedMagic ? new RegistryError('REG_ERR_NOT_GZIP') : null);
  }

  private sizeError(): RegistryError | undefined {
    const { maxBytes, declaredSize, field } = this.options;
    // The declared size is checked first: it is never above the limit, and it is the more precise answer.
    if (this.count > declaredSize) {
      return new RegistryError(
        'REG_ERR_DIGEST_MISMATCH',
        `${field} is larger than its declared size ${declaredSize}`,
      );
    }
    if (this.count > maxBytes) {
      return new RegistryError('REG_ERR_BLOB_TOO_LARGE', `${field} exceeds the limit of ${maxBytes} bytes`);
    }
    return undefined;
  }

  private magicError(chunk: Buffer): RegistryError | undefined {
    if (!this.options.requireGzip) return undefined;
    for (let i = 0; i < chunk.length && this.head.length < GZIP_MAGIC.length; i++) {
      this.head.push(chunk[i]!);
      if (this.head[this.head.length - 1] !== GZIP_MAGIC[this.head.length - 1]) {
        return new RegistryError('REG_ERR_NOT_GZIP');
      }
    }
    return undefined;
  }
}
