/** Coded refusals of `mcphub pull`. A refused pull leaves the cache as it was. */
export const PULL_ERRORS = {
  SBX_ERR_PULL_REFERENCE: 'The package reference is not org/name[@version|@range|@sha256:<hex>]',
  SBX_ERR_PULL_NOT_FOUND: 'No configured registry has this package version',
  SBX_ERR_PULL_REVOKED: 'This version was revoked by its publisher',
  SBX_ERR_PULL_DIGEST: 'The downloaded bytes do not match the manifest digest',
  SBX_ERR_PULL_ATTESTATION_MISSING: 'The package has no attestation and policy requires one',
  SBX_ERR_PULL_ATTESTATION_INVALID: 'The attestation does not verify against the trusted keys',
  SBX_ERR_PULL_REGISTRY: 'The registry could not be reached or answered with an error',
} as const;

export type PullErrorCode = keyof typeof PULL_ERRORS;

export class PullError extends Error {
  readonly code: PullErrorCode;
  constructor(code: PullErrorCode, detail?: string) {
    super(detail ? `${PULL_ERRORS[code]}: ${detail}` : PULL_ERRORS[code]);
    this.name = 'PullError';
    this.code = code;
  }
}
