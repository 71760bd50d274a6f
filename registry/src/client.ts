import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { VersionStatus } from './db/schema.js';
import { type Digest, isDigest, sha256Digest } from './digest.js';
import { REGISTRY_ERRORS, type RegistryErrorCode } from './errors.js';
import type { Manifest } from './manifest.js';
import { parsePackageName } from './names.js';
import type { PackageDetail, PackageList, ResolvedVersion, VersionSummary } from './routes/schemas.js';

export interface RegistryClientOptions {
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
}

/** Bytes in memory, or a path to a file streamed from disk. */
export type BlobSource = Buffer | Uint8Array | string;

export interface PublishInput {
  manifest: Manifest;
  bundle: BlobSource;
  snapshot?: BlobSource;
  attestation?: BlobSource;
}

export interface DownloadResult {
  bytes: Buffer;
  /** The verified bundle digest. */
  digest: Digest;
  resolved: ResolvedVersion;
}

/** An error answered by the registry (its code) or detected by the client (`REG_ERR_CLIENT_*`). */
export class RegistryClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = 'RegistryClientError';
  }
}

function clientError(code: RegistryErrorCode, message?: string): RegistryClientError {
  return new RegistryClientError(
    code,
    message ?? REGISTRY_ERRORS[code].message,
    REGISTRY_ERRORS[code].statusCode,
  );
}

function packagePath(name: string): string {
  const { org, name: pkg } = parsePackageName(name);
  return `${encodeURIComponent(org)}/${encodeURIComponent(pkg)}`;
}

async function toBlob(source: BlobSource): Promise<Blob> {
  return typeof source === 'string' ? openAsBlob(source) : new Blob([source]);
}

/** Verifies bytes against a digest (and size, when known); throws `REG_ERR_CLIENT_DIGEST_MISMATCH`. */
export function verifyBytes(bytes: Uint8Array, expected: { digest: string; size?: number }): Digest {
  const actual = sha256Digest(bytes);
  if (actual !== expected.digest || (expected.size !== undefined && bytes.length !== expected.size)) {
    throw clientError(
      'REG_ERR_CLIENT_DIGEST_MISMATCH',
      `Expected ${expected.digest} (${expected.size ?? '?'} bytes), received ${actual} (${bytes.length} bytes)`,
    );
  }
  return actual;
}

/** Typed client of the /v1 registry protocol (global fetch + FormData, Node 20). */
export class RegistryClient {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: RegistryClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async publish(input: PublishInput): Promise<ResolvedVersion & { created: boolean }> {
    const form = new FormData();
    // The manifest goes first: the registry authorises and sizes the following parts from it.
    form.append('manifest', JSON.stringify(input.manifest));
    form.append('bundle', await toBlob(input.bundle), 'bundle.tar.gz');
    if (input.snapshot !== undefined) form.append('snapshot', await toBlob(input.snapshot), 'snapshot');
    if (input.attestation !== undefined)
      form.append('attestation', await toBlob(input.attestation), 'attestation');
    const response = await this.request('/v1/publish', { method: 'POST', body: form });
    const body = (await response.json()) as ResolvedVersion;
    return { ...body, created: response.status === 201 };
  }

  async resolve(name: string, ref: string): Promise<ResolvedVersion> {
    return this.json(`/v1/resolve/${packagePath(name)}/${encodeURIComponent(ref)}`);
  }

  /** Resolves, downloads the bundle by manifest digest, and verifies it against the manifest. */
  async download(name: string, ref: string): Promise<DownloadResult> {
    const resolved = await this.resolve(name, ref);
    const response = await this.request(
      `/v1/download/${packagePath(name)}/${encodeURIComponent(resolved.digest)}`,
    );
    const bytes = Buffer.from(await response.arrayBuffer());
    const digest = verifyBytes(bytes, resolved.manifest.bundle);
    return { bytes, digest, resolved };
  }

  /**
   * Streams the bundle to `destination` without holding it in memory. The bytes go to a temporary
   * file beside it and are renamed into place only once their digest and size match the manifest;
   * on a mismatch the temporary file is deleted and `REG_ERR_CLIENT_DIGEST_MISMATCH` is thrown.
   */
  async downloadToFile(
    name: string,
    ref: string,
    destination: string,
  ): Promise<Omit<DownloadResult, 'bytes'>> {
    const resolved = await this.resolve(name, ref);
    const response = await this.request(
      `/v1/download/${packagePath(name)}/${encodeURIComponent(resolved.digest)}`,
    );
    if (!response.body) throw clientError('REG_ERR_CLIENT_BAD_RESPONSE', 'The download has no body');
    const temp = path.join(
      path.dirname(destination),
      `.${path.basename(destination)}.${randomUUID()}.partial`,
    );
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as WebReadableStream), measure, createWriteStream(temp));
      const digest = `sha256:${hash.digest('hex')}` as Digest;
      const expected = resolved.manifest.bundle;
      if (digest !== expected.digest || size !== expected.size) {
        throw clientError(
          'REG_ERR_CLIENT_DIGEST_MISMATCH',
          `Expected ${expected.digest} (${expected.size} bytes), received ${digest} (${size} bytes)`,
        );
      }
      await rename(temp, destination);
      return { digest, resolved };
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Any stored blob by digest, verified. */
  async blob(digest: string): Promise<Buffer> {
    if (!isDigest(digest)) throw clientError('REG_ERR_INVALID_DIGEST');
    const response = await this.request(`/v1/blobs/${digest}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    verifyBytes(bytes, { digest });
    return bytes;
  }

  async listPackages(
    query: { q?: string; minLevel?: number; limit?: number; cursor?: string } = {},
  ): Promise<PackageList> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const search = params.size > 0 ? `?${params}` : '';
    return this.json(`/v1/packages${search}`);
  }

  async getPackage(name: string): Promise<PackageDetail> {
    return this.json(`/v1/packages/${packagePath(name)}`);
  }

  async setStatus(
    name: string,
    version: string,
    status: VersionStatus,
    reason?: string,
  ): Promise<VersionSummary> {
    return this.json(`/v1/packages/${packagePath(name)}/${encodeURIComponent(version)}/status`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(reason === undefined ? { status } : { status, reason }),
    });
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.request(path, init)).json()) as T;
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.options.token) headers.set('authorization', `Bearer ${this.options.token}`);
    const response = await this.fetch(`${this.baseUrl}${path}`, { ...init, headers });
    if (!response.ok) throw await this.errorFrom(response);
    return response;
  }

  private async errorFrom(response: Response): Promise<RegistryClientError> {
    const text = await response.text().catch(() => '');
    try {
      const body = JSON.parse(text) as { code?: unknown; message?: unknown };
      if (typeof body.code === 'string' && typeof body.message === 'string') {
        return new RegistryClientError(body.code, body.message, response.status);
      }
    } catch {
      // not JSON: fall through
    }
    return new RegistryClientError(
      'REG_ERR_CLIENT_BAD_RESPONSE',
      `HTTP ${response.status} from the registry: ${text.slice(0, 200)}`,
      response.status,
    );
  }
}
