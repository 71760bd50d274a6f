import type { Finding, FindingClass, Severity } from '@mcphub/scanner';

/**
 * Pass/fail controls, each derived from findings and mapped to the OWASP MCP Top 10 (2025).
 * A control fails when a finding it watches has at least medium severity and medium confidence;
 * the findings that decided it are listed with it.
 */
export interface ControlDef {
  id: string;
  title: string;
  owasp: string[];
  classes: FindingClass[];
  /** When set, only findings with one of these CWEs count (splits one class into several controls). */
  cwes?: string[];
  /** When set, findings with these CWEs are left to another control. */
  excludeCwes?: string[];
}

const CMD_CWES = ['CWE-78', 'CWE-88', 'CWE-77'];
const SECRET_EXPOSURE_CWES = ['CWE-532', 'CWE-200', 'CWE-209', 'CWE-526', 'CWE-214'];
const TOKEN_CWES = ['CWE-598', 'CWE-522', 'CWE-441'];

export const CONTROLS: ControlDef[] = [
  {
    id: 'MCPH-C01',
    title: 'No shell or command execution driven by tool input',
    owasp: ['MCP05'],
    classes: ['A'],
    cwes: CMD_CWES,
  },
  {
    id: 'MCPH-C02',
    title: 'No dynamic code evaluation, unsafe deserialization or template injection',
    owasp: ['MCP05'],
    classes: ['A'],
    excludeCwes: CMD_CWES,
  },
  {
    id: 'MCPH-C03',
    title: 'File access contained to intended directories',
    owasp: ['MCP02', 'MCP10'],
    classes: ['B'],
  },
  {
    id: 'MCPH-C04',
    title: 'Outbound requests restricted (no SSRF, no exfiltration)',
    owasp: ['MCP10'],
    classes: ['C'],
  },
  { id: 'MCPH-C05', title: 'Database queries parameterized', owasp: ['MCP05'], classes: ['D'] },
  {
    id: 'MCPH-C06',
    title: 'No hard-coded secrets',
    owasp: ['MCP01'],
    classes: ['E'],
    excludeCwes: SECRET_EXPOSURE_CWES,
  },
  {
    id: 'MCPH-C07',
    title: 'Secrets not exposed in logs or tool output',
    owasp: ['MCP01', 'MCP10'],
    classes: ['E'],
    cwes: SECRET_EXPOSURE_CWES,
  },
  {
    id: 'MCPH-C08',
    title: 'Remote transports authenticated and origin-checked',
    owasp: ['MCP07'],
    classes: ['F'],
    excludeCwes: TOKEN_CWES,
  },
  {
    id: 'MCPH-C09',
    title: 'Tokens neither passed through nor sent in URLs',
    owasp: ['MCP01', 'MCP07'],
    classes: ['F'],
    cwes: TOKEN_CWES,
  },
  {
    id: 'MCPH-C10',
    title: 'Tool descriptions free of hidden instructions and shadowing',
    owasp: ['MCP03'],
    classes: ['G'],
  },
  {
    id: 'MCPH-C11',
    title: 'Untrusted content marked before it reaches the model',
    owasp: ['MCP06'],
    classes: ['H'],
  },
  {
    id: 'MCPH-C12',
    title: 'Least privilege: no escalation, no disabled safety checks',
    owasp: ['MCP02'],
    classes: ['I'],
  },
  { id: 'MCPH-C13', title: 'No toxic cross-tool data flows', owasp: ['MCP06', 'MCP10'], classes: ['J'] },
  {
    id: 'MCPH-C14',
    title: 'Privileged actions check authorization and ownership',
    owasp: ['MCP07'],
    classes: ['K'],
  },
  {
    id: 'MCPH-C15',
    title: 'Stable tool definitions and no self-update (rug-pull defence)',
    owasp: ['MCP03', 'MCP04'],
    classes: ['L'],
  },
  {
    id: 'MCPH-C16',
    title: 'No hidden or undeclared network activity',
    owasp: ['MCP09', 'MCP08'],
    classes: ['M'],
  },
  {
    id: 'MCPH-C17',
    title: 'Dependencies pinned, locked and free of known vulnerabilities',
    owasp: ['MCP04'],
    classes: ['N'],
  },
];

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export interface ControlResult {
  id: string;
  title: string;
  owasp: string[];
  passed: boolean;
  findings: string[];
}

function watches(control: ControlDef, f: Pick<Finding, 'class' | 'cwe'>): boolean {
  if (!control.classes.includes(f.class)) return false;
  if (control.cwes && !f.cwe.some((c) => control.cwes!.includes(c))) return false;
  if (control.excludeCwes && f.cwe.some((c) => control.excludeCwes!.includes(c))) return false;
  return true;
}

export function evaluateControls(
  findings: readonly Pick<Finding, 'id' | 'class' | 'cwe' | 'severity' | 'confidence'>[],
): ControlResult[] {
  return CONTROLS.map((control) => {
    const deciding = findings
      .filter((f) => watches(control, f))
      .filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.medium && f.confidence !== 'low')
      .map((f) => f.id)
      .sort();
    return {
      id: control.id,
      title: control.title,
      owasp: control.owasp,
      passed: deciding.length === 0,
      findings: deciding,
    };
  });
}
