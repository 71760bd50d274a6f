import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { canonicalJson } from './canonical-json.js';
import { type Digest, sha256Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { isStrictVersion, parsePackageName } from './names.js';

export const MANIFEST_MEDIA_TYPE = 'application/vnd.mcphub.manifest.v1+json';
/** Media types a bundle descriptor may declare; the bytes must be gzip whatever is declared. */
export const BUNDLE_MEDIA_TYPES = ['application/gzip', 'application/vnd.mcphub.bundle.v1.tar+gzip'] as const;

const DIGEST_PATTERN = '^sha256:[0-9a-f]{64}$';
const MEDIA_TYPE_PATTERN = '^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$';

export const DescriptorSchema = Type.Object(
  {
    mediaType: Type.String({ pattern: MEDIA_TYPE_PATTERN, maxLength: 255 }),
    digest: Type.String({ pattern: DIGEST_PATTERN }),
    size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false },
);
export type Descriptor = Static<typeof DescriptorSchema> & { digest: Digest };

const RelativePath = Type.String({ minLength: 1, maxLength: 512 });

export const ManifestSchema = Type.Object(
  {
    schemaVersion: Type.Literal(1),
    name: Type.String({ maxLength: 193 }),
    version: Type.String({ maxLength: 128 }),
    description: Type.Optional(Type.String({ maxLength: 2048 })),
    runtime: Type.Object(
      {
        type: Type.Union([
          Type.Literal('node'),
          Type.Literal('python'),
          Type.Literal('go'),
          Type.Literal('binary'),
        ]),
        entrypoint: RelativePath,
        args: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 64 })),
      },
      { additionalProperties: false },
    ),
    bundle: DescriptorSchema,
    snapshot: Type.Optional(DescriptorSchema),
    attestation: Type.Optional(DescriptorSchema),
    certification: Type.Optional(
      Type.Object(
        {
          level: Type.Integer({ minimum: 0, maximum: 3 }),
          score: Type.Number({ minimum: 0, maximum: 100 }),
          scoringVersion: Type.String({ minLength: 1, maxLength: 64 }),
          toolsDigest: Type.Optional(Type.String({ pattern: DIGEST_PATTERN })),
        },
        { additionalProperties: false },
      ),
    ),
    source: Type.Optional(
      Type.Object(
        {
          digest: Type.String({ pattern: DIGEST_PATTERN }),
          git: Type.Optional(
            Type.Object(
              {
                url: Type.String({ minLength: 1, maxLength: 2048 }),
                commit: Type.String({ pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' }),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Manifest = Static<typeof ManifestSchema>;

/** The optional blobs a manifest may carry besides its bundle, by multipart field name. */
export const ATTACHMENT_FIELDS = ['snapshot', 'attestation'] as const;
export type BlobField = 'bundle' | (typeof ATTACHMENT_FIELDS)[number];

const manifestValidator = TypeCompiler.Compile(ManifestSchema);

/** RFC 8785 (JCS) canonical JSON of a manifest: the bytes that are stored and hashed. */
export function canonicalManifestBytes(manifest: Manifest): Buffer {
  try {
    return Buffer.from(canonicalJson(manifest), 'utf8');
  } catch (error) {
    throw new RegistryError('REG_ERR_INVALID_MANIFEST', 'Manifest cannot be canonicalised', { cause: error });
  }
}

/** The manifest digest: SHA-256 of its canonical JSON. */
export function manifestDigest(manifest: Manifest): Digest {
  return sha256Digest(canonicalManifestBytes(manifest));
}

/** Parses and validates manifest bytes (JSON) or an already-parsed value. */
export function parseManifest(input: Buffer | string | unknown): Manifest {
  let value: unknown = input;
  if (Buffer.isBuffer(input) || typeof input === 'string') {
    try {
      value = JSON.parse(input.toString());
    } catch {
      throw new RegistryError('REG_ERR_INVALID_MANIFEST', 'Manifest is not valid JSON');
    }
  }
  return validateManifest(value);
}

export function validateManifest(value: unknown): Manifest {
  if (!manifestValidator.Check(value)) {
    const first = manifestValidator.Errors(value).First();
    const where = first ? `${first.path || '/'}: ${first.message}` : 'schema';
    throw new RegistryError('REG_ERR_INVALID_MANIFEST', `Manifest failed validation at ${where}`);
  }
  parsePackageName(value.name);
  if (!isStrictVersion(value.version)) {
    throw new RegistryError(
      'REG_ERR_INVALID_VERSION',
      `Manifest version is not strict semver: ${JSON.stringify(value.version)}`,
    );
  }
  assertRelativePath(value.runtime.entrypoint);
  if (!(BUNDLE_MEDIA_TYPES as readonly string[]).includes(value.bundle.mediaType)) {
    throw new RegistryError(
      'REG_ERR_INVALID_MANIFEST',
      `bundle.mediaType must be one of ${BUNDLE_MEDIA_TYPES.join(', ')}`,
    );
  }
  return value;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function assertRelativePath(entrypoint: string): void {
  const segments = entrypoint.split('/');
  const bad =
    entrypoint.startsWith('/') ||
    entrypoint.includes('\\') ||
    /^[a-zA-Z]:/.test(entrypoint) ||
    CONTROL_CHARS.test(entrypoint) ||
    segments.some((segment) => segment === '..' || segment === '');
  if (bad) {
    throw new RegistryError(
      'REG_ERR_INVALID_MANIFEST',
      `runtime.entrypoint must be a relative path inside the bundle: ${JSON.stringify(entrypoint)}`,
    );
  }
}

/** Blob descriptors a manifest declares, keyed by the multipart field that must carry them. */
export function declaredBlobs(manifest: Manifest): Map<BlobField, Descriptor> {
  const blobs = new Map<BlobField, Descriptor>([['bundle', manifest.bundle as Descriptor]]);
  for (const field of ATTACHMENT_FIELDS) {
    const descriptor = manifest[field];
    if (descriptor) blobs.set(field, descriptor as Descriptor);
  }
  return blobs;
}
