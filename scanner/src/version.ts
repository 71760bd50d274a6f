export const SCANNER_NAME = 'mcphub-scanner';
export const SCANNER_VERSION = '0.1.0';
/** Bump the major on a breaking change of the JSON report shape. */
export const REPORT_SCHEMA_VERSION = '1.0.0';
