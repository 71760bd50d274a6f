/** Coded refusals of the safe extractor. Each one leaves nothing behind. */
export const ARCHIVE_ERRORS = {
  SBX_ERR_ARCHIVE_PATH: 'An entry path is absolute, climbs out with "..", or is malformed',
  SBX_ERR_ARCHIVE_LINK: 'A symbolic or hard link points outside the extraction directory',
  SBX_ERR_ARCHIVE_TYPE: 'An entry is a device, FIFO or other special file',
  SBX_ERR_ARCHIVE_TOO_LARGE: 'The archive expands past the size limit',
  SBX_ERR_ARCHIVE_TOO_MANY_FILES: 'The archive has more entries than allowed',
  SBX_ERR_ARCHIVE_TOO_DEEP: 'An entry is nested deeper than allowed',
  SBX_ERR_ARCHIVE_BOMB: 'The compression ratio is beyond the limit (a decompression bomb)',
  SBX_ERR_ARCHIVE_CORRUPT: 'The archive is not a valid gzip-compressed tar',
  SBX_ERR_ARCHIVE_DUPLICATE: 'Two entries have the same path',
} as const;

export type ArchiveErrorCode = keyof typeof ARCHIVE_ERRORS;

export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  constructor(code: ArchiveErrorCode, detail: string) {
    super(`${ARCHIVE_ERRORS[code]}: ${detail}`);
    this.name = 'ArchiveError';
    this.code = code;
  }
}
