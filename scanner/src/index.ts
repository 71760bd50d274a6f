export { runScanCli } from './cli/run-scan-cli.js';
export type {
  ArgRef,
  CallView,
  Detector,
  DetectorMeta,
  GuardSpec,
  NodeQuery,
  SanitizerSpec,
  SinkSpec,
  SourceKind,
  TaintRule,
} from './detectors/api.js';
export { listDetectors } from './detectors/index.js';
export { SCAN_ERRORS, ScanFailure } from './errors.js';
export { renderJson } from './report/render-json.js';
export { renderSarif } from './report/render-sarif.js';
export { renderText } from './report/render-text.js';
export { scanDirectory } from './scan-directory.js';
export {
  type AdvisoryDb,
  type AdvisoryMatch,
  type ImportResult,
  importAdvisories,
  loadAdvisoryDb,
  matchAdvisories,
  type OsvRecord,
} from './supply-chain/advisories.js';
export { buildSbom, type CycloneDxBom } from './supply-chain/sbom.js';
export type {
  Confidence,
  FileEntry,
  Finding,
  FindingClass,
  Language,
  Location,
  McpSurface,
  McpTool,
  ScanMode,
  ScanOptions,
  ScanProgress,
  ScanReport,
  Severity,
  TraceStep,
} from './types.js';
export { REPORT_SCHEMA_VERSION, SCANNER_VERSION } from './version.js';
