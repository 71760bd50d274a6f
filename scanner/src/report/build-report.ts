/** Raw findings and surfaces → the deterministic report (everything but `run` is a pure function of the input). */
import { createHash } from 'node:crypto';
import type { FileSurface } from '../surface/entries.js';
import type { RawFinding } from '../taint/engine.js';
import {
  type FileEntry,
  type Finding,
  type FindingClass,
  type McpSurface,
  type ScanError,
  type ScanMode,
  type ScanReport,
  SEVERITIES,
  type Severity,
} from '../types.js';
import { REPORT_SCHEMA_VERSION, SCANNER_NAME, SCANNER_VERSION } from '../version.js';

function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

function snippetOf(text: string, startLine: number, endLine: number): string {
  const lines = text.split('\n').slice(startLine - 1, Math.min(endLine, startLine + 2));
  return lines.map((l) => l.replace(/\s+$/, '')).join('\n');
}

/** Masks each listed substring (a secret's value) in a snippet, keeping a short prefix for reviewers. */
export function redactSnippet(snippet: string, secrets: readonly string[] | undefined): string {
  let out = snippet;
  for (const s of secrets ?? []) {
    if (s.length < 4) continue;
    const keep = Math.min(4, Math.floor(s.length / 4));
    out = out.split(s).join(`${s.slice(0, keep)}${'*'.repeat(8)}`);
  }
  return out;
}

/** The first tool by name, then the shorter trace, then the message, so the choice is stable. */
function preferred(a: Finding, b: Finding): boolean {
  if ((a.tool ?? '') !== (b.tool ?? '')) return (a.tool ?? '\uffff') < (b.tool ?? '\uffff');
  if (a.trace.length !== b.trace.length) return a.trace.length < b.trace.length;
  return a.message < b.message;
}

export function toFindings(raw: readonly RawFinding[]): Finding[] {
  const byPlace = new Map<string, Finding>();
  const toolsByPlace = new Map<string, Set<string>>();
  for (const r of raw) {
    const d = r.detector;
    const location = {
      file: r.file.path,
      startLine: r.node.startPosition.row + 1,
      startColumn: r.node.startPosition.column + 1,
      endLine: r.node.endPosition.row + 1,
      endColumn: r.node.endPosition.column + 1,
    };
    const finding: Finding = {
      id: '',
      ruleId: d.id,
      class: d.class,
      severity: r.severity ?? d.severity,
      confidence: r.confidence ?? d.confidence,
      title: d.title,
      message: r.message,
      cwe: [...d.cwe],
      location,
      ...(r.tool ? { tool: r.tool } : {}),
      trace: r.trace,
      snippet: redactSnippet(snippetOf(r.file.text, location.startLine, location.endLine), r.redact),
      remediation: d.remediation,
    };
    // One bug, one finding: a sink reached from several tools is reported once, under the first
    // tool by name, so a shared helper does not multiply the score deduction.
    const key = `${d.id}|${location.file}|${location.startLine}|${location.startColumn}`;
    const tools = toolsByPlace.get(key) ?? new Set<string>();
    if (r.tool) tools.add(r.tool);
    toolsByPlace.set(key, tools);
    const prev = byPlace.get(key);
    // Several sources can reach one sink: keep the shortest trace, the one easiest to review.
    if (!prev || preferred(finding, prev)) byPlace.set(key, finding);
  }
  for (const [key, f] of byPlace) {
    const others = [...(toolsByPlace.get(key) ?? [])].filter((t) => t !== f.tool).sort();
    if (others.length > 0) f.message = `${f.message} (also reachable from tools: ${others.join(', ')})`;
  }
  const findings = [...byPlace.values()].sort(
    (a, b) =>
      cmp(a.location.file, b.location.file) ||
      cmp(a.location.startLine, b.location.startLine) ||
      cmp(a.location.startColumn, b.location.startColumn) ||
      cmp(a.ruleId, b.ruleId) ||
      cmp(a.tool ?? '', b.tool ?? ''),
  );
  // Stable ids: what the finding is and where (file, code), not line numbers, so unrelated edits keep them.
  const seen = new Map<string, number>();
  for (const f of findings) {
    const base = `${f.ruleId}\0${f.location.file}\0${normalize(f.snippet)}\0${f.tool ?? ''}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    f.id = createHash('sha256').update(`${base}\0${n}`).digest('hex').slice(0, 20);
  }
  return findings;
}

export function mergeSurfaces(parts: readonly FileSurface[]): McpSurface {
  const tools = parts.flatMap((p) => p.tools);
  const transports = parts.flatMap((p) => p.transports);
  const auth = parts.flatMap((p) => p.auth);
  const byLoc = (a: { location: { file: string; startLine: number; startColumn: number } }, b: typeof a) =>
    cmp(a.location.file, b.location.file) ||
    cmp(a.location.startLine, b.location.startLine) ||
    cmp(a.location.startColumn, b.location.startColumn);
  return {
    tools: tools.sort((a, b) => byLoc(a, b) || cmp(a.name, b.name)),
    transports: transports.sort((a, b) => byLoc(a, b) || cmp(a.kind, b.kind)),
    auth: auth.sort((a, b) => byLoc(a, b) || cmp(a.kind, b.kind)),
  };
}

export interface ReportParts {
  mode: ScanMode;
  files: FileEntry[];
  surface: McpSurface;
  findings: Finding[];
  errors: ScanError[];
  sbom: ScanReport['sbom'];
  startedAt: Date;
  durationMs: number;
}

export function buildReport(parts: ReportParts): ScanReport {
  const byClass: Partial<Record<FindingClass, number>> = {};
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of parts.findings) {
    byClass[f.class] = (byClass[f.class] ?? 0) + 1;
    bySeverity[f.severity] += 1;
  }
  const sortedClasses = Object.fromEntries(Object.entries(byClass).sort(([a], [b]) => cmp(a, b))) as Partial<
    Record<FindingClass, number>
  >;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    scanner: { name: SCANNER_NAME, version: SCANNER_VERSION },
    mode: parts.mode,
    files: [...parts.files].sort((a, b) => cmp(a.path, b.path)),
    surface: parts.surface,
    findings: parts.findings,
    summary: { total: parts.findings.length, byClass: sortedClasses, bySeverity },
    sbom: parts.sbom,
    errors: [...parts.errors].sort((a, b) => cmp(a.file ?? '', b.file ?? '') || cmp(a.code, b.code)),
    run: {
      startedAt: parts.startedAt.toISOString(),
      durationMs: parts.durationMs,
      filesScanned: parts.files.filter((f) => f.status !== 'skipped').length,
    },
  };
}
