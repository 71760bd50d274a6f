/** Stable error codes of the scanner. A finding is a result, never an exception. */
export const SCAN_ERRORS = {
  SCAN_ERR_USAGE: 'invalid command-line usage',
  SCAN_ERR_ROOT: 'scan root is missing or not a directory',
  SCAN_ERR_READ: 'a file could not be read',
  SCAN_ERR_PARSE: 'a file could not be parsed',
  SCAN_ERR_FILE_BUDGET: 'analysis of a file exceeded its time budget; results for it are partial',
  SCAN_ERR_ANALYZE: 'an analyzer failed on a file; results for it are partial',
  SCAN_ERR_OUTPUT: 'the report could not be written',
  SCAN_ERR_ADVISORIES: 'the advisory database could not be read; known-vulnerable versions were not checked',
} as const;

export type ScanErrorCode = keyof typeof SCAN_ERRORS;

export class ScanFailure extends Error {
  constructor(
    readonly code: ScanErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ScanFailure';
  }
}
