/** The two messages between the hub worker and scan workers (DESIGN.md §3). Versioned JSON. */
export const ANALYZE_QUEUE = 'mcphub.analyze';
export const ANALYZE_COMPLETE_QUEUE = 'mcphub.analyze_complete';
export const MESSAGE_SCHEMA_VERSION = 1;

export const SOURCES_BUCKET = 'sources';
export const RESULTS_BUCKET = 'results';

export interface AnalyzeMessage {
  schemaVersion: 1;
  jobId: string;
  sourceKey: string;
  sourceDigest: string;
  options: { mode?: 'fast' | 'deep' };
}

/**
 * `started` is a progress note (DISPATCHED → ANALYZING); `succeeded` carries the result;
 * `rejected` means the source itself was refused (hostile archive); `failed` is a scan failure.
 */
export interface AnalyzeCompleteMessage {
  schemaVersion: 1;
  jobId: string;
  status: 'started' | 'succeeded' | 'failed' | 'rejected';
  resultKey?: string;
  resultDigest?: string;
  /** Sidecar with what the scan worker learned about the package (runtime, description). */
  packageInfoKey?: string;
  error?: { code: string; message: string };
}

export const resultKeyOf = (jobId: string, file: string) => `jobs/${jobId}/${file}`;
export const sourceKeyOf = (digest: string) => `sha256/${digest.replace(/^sha256:/, '')}.tar.gz`;
