/** Public types of the scanner: the report, findings and the MCP surface. */
import type { CycloneDxBom } from './supply-chain/sbom.js';

export type { CycloneDxBom } from './supply-chain/sbom.js';

export type Language = 'python' | 'javascript' | 'typescript' | 'go';
export const LANGUAGES: readonly Language[] = ['python', 'javascript', 'typescript', 'go'];

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export type Confidence = 'high' | 'medium' | 'low';
export const CONFIDENCES: readonly Confidence[] = ['high', 'medium', 'low'];

/** Finding classes of DESIGN.md §6: A RCE … N supply chain. */
export type FindingClass = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M' | 'N';
export const FINDING_CLASSES: readonly FindingClass[] = [
  'A',
  'B',
  'C',
  'D',
  'E',
  'F',
  'G',
  'H',
  'I',
  'J',
  'K',
  'L',
  'M',
  'N',
];

export type ScanMode = 'fast' | 'deep';

/** 1-based lines and columns, paths relative to the scanned root with '/' separators. */
export interface Location {
  file: string;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface TraceStep {
  kind: 'source' | 'step' | 'call' | 'return' | 'sink';
  file: string;
  line: number;
  column: number;
  note: string;
}

export interface Finding {
  /** Stable across unrelated edits: hash of ruleId, file, normalized snippet and tool. */
  id: string;
  ruleId: string;
  class: FindingClass;
  severity: Severity;
  confidence: Confidence;
  title: string;
  message: string;
  cwe: string[];
  location: Location;
  /** Name of the MCP tool whose handler reaches this finding, when known. */
  tool?: string;
  trace: TraceStep[];
  snippet: string;
  remediation: string;
}

export interface ToolParameter {
  name: string;
  /** JSON-schema-like type as written: string, number, integer, boolean, array, object, enum, unknown. */
  type: string;
  required: boolean;
  description?: string;
  enum?: string[];
  /** A regular expression or format the SDK validates the value against before the handler runs. */
  pattern?: string;
}

export type McpSdk =
  | 'ts-sdk'
  | 'ts-sdk-low-level'
  | 'fastmcp'
  | 'python-low-level'
  | 'mcp-go'
  | 'go-sdk'
  | 'unknown';

export interface McpTool {
  name: string;
  description?: string;
  parameters: ToolParameter[];
  sdk: McpSdk;
  location: Location;
  handler?: { name?: string; location: Location };
}

export interface McpTransport {
  kind: 'stdio' | 'streamable-http' | 'sse' | 'http';
  detail: string;
  location: Location;
}

export interface McpAuthSignal {
  kind: 'bearer' | 'oauth' | 'api-key' | 'header-check' | 'middleware';
  detail: string;
  location: Location;
}

export interface McpSurface {
  tools: McpTool[];
  transports: McpTransport[];
  auth: McpAuthSignal[];
}

export interface FileEntry {
  path: string;
  language: Language | null;
  bytes: number;
  sha256: string;
  status: 'scanned' | 'partial' | 'skipped';
  reason?: string;
}

export interface ScanError {
  code: string;
  file?: string;
  message: string;
}

export interface ScanSummary {
  total: number;
  byClass: Partial<Record<FindingClass, number>>;
  bySeverity: Record<Severity, number>;
}

export interface ScanReport {
  schemaVersion: string;
  scanner: { name: string; version: string };
  mode: ScanMode;
  files: FileEntry[];
  surface: McpSurface;
  findings: Finding[];
  summary: ScanSummary;
  /** CycloneDX 1.6 SBOM of the dependencies the manifests and lockfiles declare (see src/supply-chain/sbom.ts). */
  sbom: CycloneDxBom;
  errors: ScanError[];
  /** Everything that varies between two runs on the same input lives here and only here. */
  run: { startedAt: string; durationMs: number; filesScanned: number };
}

export interface ScanProgress {
  phase: 'discover' | 'parse' | 'analyze' | 'report';
  done: number;
  total: number;
  file?: string;
}

export interface ScanOptions {
  /** Optional AI review (off by default): an OpenAI-compatible endpoint that judges findings and descriptions. */
  aiReview?: import('./ai/ai-review.js').AiReviewConfig;
  mode?: ScanMode;
  maxFileBytes?: number;
  fileTimeBudgetMs?: number;
  onProgress?: (progress: ScanProgress) => void;
  /** Restrict the scan to these root-relative paths (the fixture harness uses it); discovery still filters them. */
  only?: string[];
  /** Path of the offline OSV advisory database written by `importAdvisories` (class N matches). */
  advisoriesDb?: string;
}
