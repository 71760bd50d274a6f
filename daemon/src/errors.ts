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
  HUB_ERR_UNAUTHENTICATED: { statusCode: 401, message: 'A valid token is required' },
  HUB_ERR_FORBIDDEN: { statusCode: 403, message: 'The token does not grant this action' },
  HUB_ERR_VALIDATION: { statusCode: 400, message: 'The request is invalid' },
  HUB_ERR_NOT_FOUND: { statusCode: 404, message: 'Not found' },
  HUB_ERR_TOKEN_TTL: { statusCode: 400, message: 'The requested token lifetime is out of range' },
  HUB_ERR_USAGE: { statusCode: 400, message: 'Invalid command usage' },
  HUB_ERR_SHUTTING_DOWN: { statusCode: 503, message: 'The daemon is shutting down' },
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
