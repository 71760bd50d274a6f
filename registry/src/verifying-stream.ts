import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { type Digest, digestFromHash } from './digest.js';
import { RegistryError } from './errors.js';

/**
 * Re-verifies stored bytes while serving them. The last chunk is held back until the digest and
 * size are checked, so a corrupted object never reaches a client as a complete response: the
 * stream fails instead and the client sees a truncated body.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private held: Buffer | undefined;

  constructor(private readonly expected: { digest: Digest; size: number }) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    const previous = this.held;
    this.held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const digest = digestFromHash(this.hash);
    if (digest !== this.expected.digest || this.size !== this.expected.size) {
      callback(
        new RegistryError(
          'REG_ERR_INTERNAL',
          `Stored object does not match ${this.expected.digest}: refusing to serve it`,
        ),
      );
      return;
    }
    callback(null, this.held);
  }
}
