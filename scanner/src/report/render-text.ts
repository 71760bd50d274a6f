/** Human-readable report: findings with a code frame and the taint trace, then the MCP surface. */
import type { Finding, ScanReport, Severity } from '../types.js';

const COLORS: Record<Severity, string> = {
  critical: '\x1b[1;31m',
  high: '\x1b[31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  info: '\x1b[2m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

function frame(f: Finding, color: boolean): string {
  const lines = f.snippet.split('\n');
  const width = String(f.location.startLine + lines.length).length;
  return lines
    .map((l, i) => {
      const n = String(f.location.startLine + i).padStart(width);
      const marker = i === 0 ? '>' : ' ';
      return `  ${color ? DIM : ''}${marker} ${n} |${color ? RESET : ''} ${l}`;
    })
    .join('\n');
}

export function renderText(report: ScanReport, opts: { color: boolean } = { color: false }): string {
  const c = (s: string, code: string) => (opts.color ? `${code}${s}${RESET}` : s);
  const out: string[] = [];
  for (const f of report.findings) {
    const where = `${f.location.file}:${f.location.startLine}:${f.location.startColumn}`;
    out.push(
      `${c(f.severity.toUpperCase(), COLORS[f.severity])} ${f.ruleId} ${f.title} ${c(`[${f.confidence} confidence]`, DIM)}`,
    );
    out.push(`  ${where}${f.tool ? `  (tool: ${f.tool})` : ''}`);
    out.push(`  ${f.message}`);
    out.push(frame(f, opts.color));
    if (f.trace.length > 0) {
      out.push('  trace:');
      for (const s of f.trace) out.push(`    ${s.kind.padEnd(6)} ${s.file}:${s.line}  ${s.note}`);
    }
    out.push(`  fix: ${f.remediation}`);
    out.push('');
  }
  const s = report.surface;
  out.push(
    `MCP surface: ${s.tools.length} tool(s), transports: ${[...new Set(s.transports.map((t) => t.kind))].join(', ') || 'none'}, auth signals: ${s.auth.length}`,
  );
  for (const t of s.tools) {
    const params = t.parameters.map((p) => `${p.name}${p.required ? '' : '?'}: ${p.type}`).join(', ');
    out.push(`  - ${t.name}(${params})  ${c(`${t.location.file}:${t.location.startLine} [${t.sdk}]`, DIM)}`);
  }
  const sev = report.summary.bySeverity;
  out.push('');
  out.push(
    `${report.summary.total} finding(s): ${sev.critical} critical, ${sev.high} high, ${sev.medium} medium, ${sev.low} low, ${sev.info} info — ${report.files.length} file(s), ${report.errors.length} error(s)`,
  );
  for (const e of report.errors) out.push(`  ${e.code} ${e.file ?? ''} ${e.message}`);
  return `${out.join('\n')}\n`;
}
