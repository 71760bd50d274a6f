/** Secret recognition shared by the class E detectors: known token formats, names, placeholders, entropy. */

export interface KnownSecret {
  kind: string;
  re: RegExp;
  /** Length of the visible prefix kept when redacting. */
  keep: number;
}

export const KNOWN_SECRETS: readonly KnownSecret[] = [
  { kind: 'AWS access key id', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, keep: 4 },
  { kind: 'GitHub token', re: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, keep: 4 },
  { kind: 'GitHub fine-grained token', re: /\bgithub_pat_[A-Za-z0-9_]{50,}\b/, keep: 11 },
  { kind: 'GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20,}\b/, keep: 6 },
  { kind: 'Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/, keep: 5 },
  {
    kind: 'Slack webhook',
    re: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,}/,
    keep: 30,
  },
  { kind: 'Stripe live key', re: /\b(?:sk|rk)_live_[A-Za-z0-9]{20,}\b/, keep: 8 },
  { kind: 'Stripe test key', re: /\b(?:sk|rk)_test_[A-Za-z0-9]{20,}\b/, keep: 8 },
  { kind: 'Anthropic API key', re: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{20,}/, keep: 7 },
  { kind: 'OpenAI API key', re: /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}/, keep: 8 },
  { kind: 'OpenAI API key', re: /\bsk-[A-Za-z0-9]{32,}\b/, keep: 3 },
  { kind: 'Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/, keep: 4 },
  { kind: 'Hugging Face token', re: /\bhf_[A-Za-z0-9]{30,}\b/, keep: 3 },
  { kind: 'npm token', re: /\bnpm_[A-Za-z0-9]{36}\b/, keep: 4 },
  { kind: 'SendGrid API key', re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/, keep: 3 },
  {
    kind: 'private key',
    re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----[\s\S]*?[A-Za-z0-9+/=]{40,}/,
    keep: 0,
  },
  {
    kind: 'Authorization header credential',
    re: /^(?:Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{20,}$/,
    keep: 7,
  },
  {
    kind: 'JSON Web Token',
    re: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}/,
    keep: 3,
  },
];

/** Names that hold secrets. */
export const SECRET_NAME =
  /(pass(word|wd|phrase)?|pwd|secret|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?token|access[_-]?token|refresh[_-]?token|bearer|client[_-]?secret|credential|token$|^token|signing[_-]?key|webhook[_-]?url)/i;
/** ...unless the name says it is about the secret rather than the secret itself. */
export const NOT_SECRET_NAME =
  /(_?(url|uri|path|file|dir|name|id|type|header|env|var|field|prefix|len|length|size|count|hint|label|placeholder|format|pattern|regex|expires?|expiry|ttl|endpoint|usage|limit|max|min|page|cursor|next|policy|rule|required|enabled|set|present|mask|masked|redacted|hash|hashed|sha\w*|digest)$|^(is|has|use|show|no|max|min|num)_|^(next|page|continuation|csrf|cancel|sync)_?|tokens$|tokenizer|password_reset|forgot)/i;

const PLACEHOLDER =
  /x{4,}|X{4,}|\*{3,}|\.{3}|<[^>]*>|\$\{|\{\{|%s|your|example|sample|dummy|fake|placeholder|changeme|change[_-]?me|replace|redacted|insert|todo|fixme|test|demo|secret_here|here\b|0{8,}|1234567|abcdef|(.)\1{5,}/i;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || value.trim().length < 6;
}

export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

export function redact(value: string, keep = 4): string {
  const v = value.replace(/\s+/g, ' ');
  const head = v.slice(0, Math.min(keep, Math.max(0, v.length - 4)));
  return `${head}${'*'.repeat(Math.min(8, Math.max(4, v.length - head.length)))}`;
}

export function findKnownSecret(value: string): { kind: string; match: string; keep: number } | null {
  for (const k of KNOWN_SECRETS) {
    const m = k.re.exec(value);
    if (!m) continue;
    const body = m[0].slice(k.keep);
    if (k.kind !== 'private key' && (isPlaceholder(m[0]) || entropy(body) < 3)) continue;
    if (k.kind === 'private key' && /\.{3}|x{6,}|X{6,}|<|your/i.test(m[0])) continue;
    if (k.kind === 'JSON Web Token' && m[0].endsWith('SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c')) continue; // jwt.io sample
    return { kind: k.kind, match: m[0], keep: k.keep };
  }
  return null;
}

/** A generic secret value: long enough, no spaces, not a name or a template, mixed enough. */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 8 || value.length > 200 || /\s/.test(value)) return false;
  if (isPlaceholder(value)) return false;
  if (/^[A-Z][A-Z0-9_]*$/.test(value) || /^[a-z][a-z0-9_.-]*$/.test(value)) return false; // names, env vars, words
  if (/^[a-z]+([A-Z][a-z0-9]+)+$|^([A-Z][a-z0-9]+){2,}$|^[a-z]+(-[a-z0-9]+)+$/.test(value)) return false; // camelCase, PascalCase, kebab names
  if (/^[A-Za-z]{1,31}$/.test(value)) return false; // a word or identifier ('AWSSecretKey'), not a random key
  if (/^(https?|file|wss?):\/\//.test(value) || value.startsWith('/') || value.startsWith('./')) return false;
  if (/^[\d.:-]+$/.test(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(value)).length;
  return entropy(value) >= 3 && classes >= 2;
}

/** A password literal: shorter and less random than API keys, but a letter plus a digit or symbol. */
export function looksLikePassword(value: string): boolean {
  if (value.length < 6 || value.length > 128 || /\s/.test(value) || isPlaceholder(value)) return false;
  if (/^[A-Z][A-Z0-9_]*$/.test(value) || /^(https?|file):\/\//.test(value) || /^[./~]/.test(value))
    return false;
  if (/^\$|^%|^\{/.test(value) || /pass(word|wd)|required|none|null|empty|disabled/i.test(value))
    return false;
  return /[A-Za-z]/.test(value) && /[\d\W_]/.test(value);
}

/** `scheme://user:password@host` with a real password. */
export function urlCredential(value: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:([^@\s/]+)@[^\s]+$/i.exec(value);
  if (!m?.[1]) return null;
  const pw = m[1];
  if (
    isPlaceholder(pw) ||
    /^\$|^%|^\{|^:/.test(pw) ||
    pw.length < 4 ||
    /^(password|pass|pwd|secret)$/i.test(pw)
  )
    return null;
  return pw;
}

export function isTestFile(path: string): boolean {
  return (
    /(^|\/)(tests?|__tests__|spec|testdata|fixtures?)\//i.test(path) ||
    /(_test\.go|\.test\.[cm]?[jt]sx?|\.spec\.[cm]?[jt]sx?|(^|\/)test_[^/]*\.py|_test\.py|conftest\.py)$/.test(
      path,
    )
  );
}

/** `os.environ["API_KEY"]`, `process.env.GITHUB_TOKEN`, `os.Getenv("DB_PASSWORD")`: the variable's name. */
export function envReadName(text: string): string | null {
  const m =
    /^os\.environ(?:\[\s*|\.get\(\s*)["'](\w+)["']/.exec(text) ??
    /^os\.getenv\(\s*["'](\w+)["']/.exec(text) ??
    /^process\.env(?:\.|\[\s*["'`])(\w+)/.exec(text) ??
    /^os\.(?:Getenv|LookupEnv)\(\s*"(\w+)"/.exec(text);
  return m?.[1] ?? null;
}

/** The whole environment with values (not just its keys). */
export function isWholeEnv(text: string): boolean {
  if (/\bkeys\b|Object\.keys|list\(os\.environ\)|sorted\(os\.environ\)/.test(text)) return false;
  return /\b(os\.environ|process\.env|os\.Environ\(\)|syscall\.Environ\(\))(?!\s*(\[|\.get\b|\.(?!copy|items|values)\w))/.test(
    text,
  );
}

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name) && !/^(is|has|use|show)[A-Z]/.test(name);
}
