/**
 * The one catalog of registry error codes. Codes are stable API: clients branch on them, the README
 * documents each one (a test checks it), and HTTP error bodies are always `{code, message, statusCode}`.
 */
export const REGISTRY_ERRORS = {
  REG_ERR_INTERNAL: { statusCode: 500, message: 'Internal registry error' },
  REG_ERR_ROUTE_NOT_FOUND: { statusCode: 404, message: 'No such route' },
  REG_ERR_VALIDATION: { statusCode: 400, message: 'Request failed validation' },
  REG_ERR_BODY_TOO_LARGE: { statusCode: 413, message: 'Request body is too large' },
  REG_ERR_UNSUPPORTED_MEDIA_TYPE: { statusCode: 415, message: 'Unsupported request content type' },

  REG_ERR_TOKEN_MISSING: { statusCode: 401, message: 'A bearer token is required' },
  REG_ERR_TOKEN_INVALID: { statusCode: 401, message: 'The bearer token is invalid' },
  REG_ERR_TOKEN_EXPIRED: { statusCode: 401, message: 'The bearer token has expired' },
  REG_ERR_FORBIDDEN: { statusCode: 403, message: 'The token does not grant this action on this package' },

  REG_ERR_INVALID_NAME: { statusCode: 400, message: 'Invalid package name' },
  REG_ERR_INVALID_VERSION: { statusCode: 400, message: 'Invalid version (strict semver required)' },
  REG_ERR_INVALID_REFERENCE: { statusCode: 400, message: 'Invalid version reference' },
  REG_ERR_INVALID_DIGEST: { statusCode: 400, message: 'Invalid digest (expected sha256:<64 hex>)' },
  REG_ERR_INVALID_CURSOR: { statusCode: 400, message: 'Invalid listing cursor' },
  REG_ERR_INVALID_MANIFEST: { statusCode: 400, message: 'Invalid manifest' },
  REG_ERR_MANIFEST_TOO_LARGE: { statusCode: 413, message: 'Manifest is too large' },
  REG_ERR_BLOB_TOO_LARGE: { statusCode: 413, message: 'Uploaded blob is too large' },
  REG_ERR_INVALID_MULTIPART: { statusCode: 400, message: 'Malformed multipart upload' },
  REG_ERR_MISSING_PART: { statusCode: 400, message: 'A required multipart part is missing' },
  REG_ERR_UNEXPECTED_PART: { statusCode: 400, message: 'Unexpected multipart part' },
  REG_ERR_NOT_GZIP: { statusCode: 400, message: 'The bundle is not a gzip stream' },
  REG_ERR_DIGEST_MISMATCH: {
    statusCode: 400,
    message: 'Uploaded bytes do not match the declared descriptor',
  },
  REG_ERR_UPLOAD_ABORTED: { statusCode: 400, message: 'The upload was interrupted' },
  REG_ERR_VERSION_EXISTS: { statusCode: 409, message: 'This version exists with a different digest' },
  REG_ERR_TOO_MANY_PUBLISHES: { statusCode: 429, message: 'Too many publishes in progress; retry later' },

  REG_ERR_PACKAGE_NOT_FOUND: { statusCode: 404, message: 'Package not found' },
  REG_ERR_VERSION_NOT_FOUND: { statusCode: 404, message: 'No version matches' },
  REG_ERR_BLOB_NOT_FOUND: { statusCode: 404, message: 'Blob not found' },
  REG_ERR_REVOKED: { statusCode: 410, message: 'This version has been revoked' },

  REG_ERR_REASON_REQUIRED: { statusCode: 400, message: 'A reason is required for this status' },
  REG_ERR_STATUS_TERMINAL: { statusCode: 409, message: 'A revoked version cannot change status' },

  REG_ERR_OBJECT_NOT_FOUND: { statusCode: 404, message: 'Object not found in the object store' },
  REG_ERR_INVALID_OBJECT_KEY: { statusCode: 400, message: 'Invalid object key' },
  REG_ERR_INVALID_BUCKET: { statusCode: 400, message: 'Invalid bucket name' },
  REG_ERR_ABORTED: { statusCode: 499, message: 'The operation was aborted' },

  REG_ERR_CLIENT_DIGEST_MISMATCH: {
    statusCode: 502,
    message: 'Downloaded bytes do not match the digest the registry announced',
  },
  REG_ERR_CLIENT_BAD_RESPONSE: {
    statusCode: 502,
    message: 'The registry answered with an unexpected response',
  },
} as const satisfies Record<string, { statusCode: number; message: string }>;

export type RegistryErrorCode = keyof typeof REGISTRY_ERRORS;

export interface RegistryErrorBody {
  code: string;
  message: string;
  statusCode: number;
}

export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  readonly statusCode: number;

  constructor(code: RegistryErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? REGISTRY_ERRORS[code].message, options);
    this.name = 'RegistryError';
    this.code = code;
    this.statusCode = REGISTRY_ERRORS[code].statusCode;
  }

  toBody(): RegistryErrorBody {
    return { code: this.code, message: this.message, statusCode: this.statusCode };
  }
}

export function isRegistryError(error: unknown, code?: RegistryErrorCode): error is RegistryError {
  return error instanceof RegistryError && (code === undefined || error.code === code);
}
