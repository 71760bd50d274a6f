/**
 * The hub's error catalog. Every error the daemon reports to a client carries one of these stable
 * codes; the HTTP body is always `{code, message, statusCode}`. A test checks each code is
 * documented in daemon/README.md.
 */
export const HUB_ERRORS = {
  HUB_ERR_CONFIG_INVALID: { statusCode: 500, message: 'The configuration is invalid' },
  HUB_ERR_CONFIG_UNREADABLE: { statusCode: 500, message: 'The configuration file cannot be read' },
  HUB_ERR_DB_NEWER_THAN_APP: {
    statusCode: 500,
    message: 'The database was migrated by a newer MCP Hub; refusing to start read-write',
  },
  HUB_ERR_DATABASE_UNAVAILABLE: { statusCode: 503, message: 'The database cannot be reached' },
  HUB_ERR_UNAUTHENTICATED: { statusCode: 401, message: 'A valid token is required' },
  HUB_ERR_FORBIDDEN: { statusCode: 403, message: 'The token does not grant this action' },
  HUB_ERR_VALIDATION: { statusCode: 400, message: 'The request is invalid' },
  HUB_ERR_NOT_FOUND: { statusCode: 404, message: 'Not found' },
  HUB_ERR_TOKEN_TTL: { statusCode: 400, message: 'The requested token lifetime is out of range' },
  HUB_ERR_USAGE: { statusCode: 400, message: 'Invalid command usage' },
  HUB_ERR_SHUTTING_DOWN: { statusCode: 503, message: 'The daemon is shutting down' },
  HUB_ERR_GIT_FAILED: { statusCode: 422, message: 'The git source could not be fetched' },
  HUB_ERR_SOURCE_INVALID: { statusCode: 422, message: 'The submitted source was refused' },
  HUB_ERR_SOURCE_TOO_LARGE: { statusCode: 413, message: 'The submitted source is too large' },
  HUB_ERR_VERSION_EXISTS: {
    statusCode: 409,
    message: 'This version was already submitted with other source',
  },
  HUB_ERR_CONFLICT: { statusCode: 409, message: 'The resource already exists or is in use' },
  HUB_ERR_QUOTA_EXCEEDED: { statusCode: 429, message: 'The organization has used up its plan quota' },
  HUB_ERR_PAYMENT_REQUIRED: { statusCode: 402, message: 'The plan does not include this' },
  HUB_ERR_JOB_BUSY: { statusCode: 409, message: 'Another worker is advancing this job; retried later' },
  HUB_ERR_SCAN_FAILED: { statusCode: 500, message: 'The scan failed' },
  HUB_ERR_SCAN_TIMEOUT: { statusCode: 500, message: 'The scan ran out of time' },
  HUB_ERR_SCAN_CRASHED: { statusCode: 500, message: 'The scan worker crashed or ran out of memory' },
  HUB_ERR_RESULT_INVALID: {
    statusCode: 500,
    message: 'The scan result is missing or does not match its digest',
  },
  HUB_ERR_PUBLISH_FAILED: { statusCode: 502, message: 'Publishing to the registry failed' },
  HUB_ERR_MIRROR_UNTRUSTED: {
    statusCode: 422,
    message: 'A mirrored package has no attestation signed by a trusted key',
  },
  HUB_ERR_MIRROR_CONFLICT: {
    statusCode: 409,
    message: 'A mirrored version exists locally with another digest',
  },
  HUB_ERR_MIRROR_DIGEST: { statusCode: 502, message: 'Mirrored bytes do not match their digest' },
  HUB_ERR_CLIENT_CONFIG: { statusCode: 400, message: 'The MCP client configuration cannot be edited safely' },
  HUB_ERR_RUN_DENIED: { statusCode: 403, message: 'The policy refused to run this package' },
  HUB_ERR_RUN_UNVERIFIED: {
    statusCode: 422,
    message: 'The package could not be pulled and verified (digest, attestation, revocation)',
  },
  HUB_ERR_RUN_FAILED: { statusCode: 422, message: 'The server could not be started under the sandbox' },
  HUB_ERR_RUN_NOT_RUNNING: { statusCode: 409, message: 'The run has exited' },
  HUB_ERR_TOOL_CALL_FAILED: { statusCode: 502, message: 'The server did not answer the MCP request' },
  HUB_ERR_INTERNAL: { statusCode: 500, message: 'Internal error' },
} as const;

export type HubErrorCode = keyof typeof HUB_ERRORS;

export class HubError extends Error {
  readonly code: HubErrorCode;
  readonly statusCode: number;
  readonly details: unknown;

  constructor(code: HubErrorCode, message?: string, details?: unknown) {
    super(message ?? HUB_ERRORS[code].message);
    this.name = 'HubError';
    this.code = code;
    this.statusCode = HUB_ERRORS[code].statusCode;
    this.details = details;
  }
}

export function isHubError(err: unknown): err is HubError {
  return err instanceof HubError;
}
