/** SARIF 2.1.0: one run, rules from the detector catalogue, paths relative to the scanned root. */
import { listDetectors } from '../detectors/index.js';
import type { ScanReport, Severity } from '../types.js';
import { SCANNER_NAME, SCANNER_VERSION } from '../version.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning reads this property to rank results. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

export function renderSarif(report: ScanReport): string {
  const detectors = [...listDetectors()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const ruleIndex = new Map(detectors.map((d, i) => [d.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: SCANNER_NAME,
            version: SCANNER_VERSION,
            informationUri: 'https://github.com/mcphub/mcphub',
            rules: detectors.map((d) => ({
              id: d.id,
              name: d.title.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) =>
                c ? c.toUpperCase() : '',
              ),
              shortDescription: { text: d.title },
              fullDescription: { text: d.title },
              help: { text: d.remediation },
              defaultConfiguration: { level: LEVEL[d.severity] },
              properties: {
                tags: [
                  'security',
                  ...d.cwe.map((c) => `external/cwe/${c.toLowerCase()}`),
                  `class-${d.class}`,
                ],
                class: d.class,
                severity: d.severity,
                confidence: d.confidence,
                'security-severity': SECURITY_SEVERITY[d.severity],
              },
            })),
          },
        },
        results: report.findings.map((f) => ({
          ruleId: f.ruleId,
          ...(ruleIndex.has(f.ruleId) ? { ruleIndex: ruleIndex.get(f.ruleId) } : {}),
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.location.file, uriBaseId: 'SRCROOT' },
                region: {
                  startLine: f.location.startLine,
                  startColumn: f.location.startColumn,
                  endLine: f.location.endLine,
                  endColumn: f.location.endColumn,
                  snippet: { text: f.snippet },
                },
              },
            },
          ],
          ...(f.trace.length > 0
            ? {
                codeFlows: [
                  {
                    threadFlows: [
                      {
                        locations: f.trace.map((s) => ({
                          location: {
                            physicalLocation: {
                              artifactLocation: { uri: s.file, uriBaseId: 'SRCROOT' },
                              region: { startLine: s.line, startColumn: s.column },
                            },
                            message: { text: s.note },
                          },
                        })),
                      },
                    ],
                  },
                ],
              }
            : {}),
          partialFingerprints: { mcphubFindingId: f.id },
          properties: {
            class: f.class,
            severity: f.severity,
            confidence: f.confidence,
            ...(f.tool ? { tool: f.tool } : {}),
            cwe: f.cwe,
          },
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
