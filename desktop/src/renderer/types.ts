export const PIPELINE = [
  'QUEUED',
  'DISPATCHED',
  'ANALYZING',
  'ANALYZED',
  'SCORED',
  'CERTIFIED',
  'PUBLISHED',
] as const;
export const TERMINAL = ['PUBLISHED', 'FAILED', 'REJECTED'];

export interface JobTransition {
  jobId: string;
  org: string;
  name: string;
  version: string;
  from: string | null;
  to: string;
  at: string;
  actor: string;
  reason: string | null;
}

export interface Score {
  global: number;
  security: number;
  supplyChain: number;
  maturity: number;
  byClass: { class: string; weight: number; deducted: number; findings: number }[];
  maturitySignals: { id: string; label: string; points: number; met: boolean }[];
}

export interface Control {
  id: string;
  title: string;
  owasp: string[];
  passed: boolean;
  findings: string[];
}

export interface Certification {
  level: number;
  levelName: string;
  blockedBy: string[];
  controls: Control[];
  attestation?: { key: string; digest: string; size: number };
  snapshot?: { key: string; digest: string; size: number };
}

export interface Job {
  id: string;
  name: string;
  version: string;
  state: string;
  /** Set while the job's dispatch waits in the outbox (remote unreachable). */
  waiting?: { since: string; attempts: number; nextAttemptAt: string; lastError: string | null } | null;
  source: { kind: string; digest: string; bytes: number; git?: { url: string; commit: string } };
  score: Score | null;
  level: number | null;
  certification: Certification | null;
  manifestDigest: string | null;
  reference: string | null;
  error: { code: string; message: string } | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  history?: {
    seq: number;
    from_state: string | null;
    to_state: string;
    at: string;
    actor: string;
    reason: string | null;
  }[];
}

export interface Finding {
  id: string;
  ruleId: string;
  class: string;
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  confidence: string;
  title: string;
  message: string;
  remediation: string;
  snippet?: string;
  tool?: string;
  cwe?: string[];
  location: { file: string; startLine: number; startColumn: number; endLine: number; endColumn: number };
  trace: { kind: string; file: string; line: number; column: number; note: string }[];
}

export const LEVEL_NAMES: Record<number, string> = {
  0: 'Integrity Verified',
  1: 'Static Verified',
  2: 'Security Certified',
  3: 'Runtime Certified',
};

export const CLASS_NAMES: Record<string, string> = {
  A: 'Remote code execution',
  B: 'Filesystem traversal',
  C: 'SSRF / exfiltration',
  D: 'SQL injection',
  E: 'Secrets / tokens',
  F: 'Auth / OAuth',
  G: 'Tool poisoning',
  H: 'Prompt injection',
  I: 'Privilege escalation',
  J: 'Cross-tool flows',
  K: 'AuthN/AuthZ bypass',
  L: 'Lifecycle',
  M: 'Hidden network',
  N: 'Supply chain',
};
