/**
 * Features of a tool (or parameter) description that mark it as poisoned: text aimed at the model
 * rather than at a human reader. Each feature is a pure function of the text; the classifier adds
 * their weights (see classify.ts). Deterministic, offline, no model.
 */

export interface FeatureHit {
  id: FeatureId;
  /** The text that triggered the feature (shortened), for the finding message. */
  evidence: string;
}

export type FeatureId =
  | 'hidden-block'
  | 'override'
  | 'secrecy'
  | 'model-imperative'
  | 'cross-tool'
  | 'sensitive-target'
  | 'exfiltration'
  | 'encoded-payload'
  | 'hidden-characters'
  | 'length-anomaly'
  | 'urgency';

export interface FeatureSpec {
  id: FeatureId;
  weight: number;
  description: string;
  detect: (text: string) => string | null;
}

function first(text: string, patterns: readonly RegExp[]): string | null {
  for (const p of patterns) {
    const m = p.exec(text);
    if (m) return m[0].length > 60 ? `${m[0].slice(0, 57)}...` : m[0];
  }
  return null;
}

/** Zero-width, bidirectional-control and Unicode "tag" characters: invisible to a human reviewer. */
export const HIDDEN_CHARS =
  /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD\u180E\u{E0000}-\u{E007F}]/u;

export function hiddenCharacters(text: string): { codepoint: string; index: number }[] {
  const out: { codepoint: string; index: number }[] = [];
  const re = new RegExp(HIDDEN_CHARS.source, 'gu');
  for (const m of text.matchAll(re)) {
    const cp = m[0].codePointAt(0) ?? 0;
    out.push({ codepoint: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`, index: m.index ?? 0 });
  }
  return out;
}

export const FEATURES: readonly FeatureSpec[] = [
  {
    id: 'hidden-block',
    weight: 3,
    description: 'Tag-style blocks addressed to the model: <IMPORTANT>, <system>, [INST], HTML comments',
    detect: (t) =>
      first(t, [
        /<\/?\s*(important|system|instructions?|secret|hidden|admin|assistant|context|note_to_ai|ai)\b[^>]*>/i,
        /\[\/?(INST|SYSTEM)\]/,
        /<!--[\s\S]*?-->/,
        /\{\{\s*(system|instructions?)\s*\}\}/i,
      ]),
  },
  {
    id: 'override',
    weight: 3,
    description: 'Attempts to override earlier instructions or the system prompt',
    detect: (t) =>
      first(t, [
        /\b(ignore|disregard|forget|override)\b.{0,30}\b(previous|prior|above|earlier|other|all|any|system)\b.{0,20}\b(instructions?|rules?|prompts?|guidelines?|tools?)\b/i,
        /\b(new|updated|real) (system )?instructions?\b/i,
        /\bsystem prompt\b/i,
        /\byou are now\b/i,
        /\btakes? precedence over\b/i,
        /\bdisregard\b/i,
        /\b(overrides?|replaces?|supersedes?)\b.{0,30}\b(rules?|instructions?|tools?|servers?)\b/i,
      ]),
  },
  {
    id: 'secrecy',
    weight: 3,
    description: 'Asks the model to hide something from the user',
    detect: (t) =>
      first(t, [
        /\b(do not|don't|never|must not)\b.{0,25}\b(tell|inform|mention|reveal|show|notify|alert|disclose)\b.{0,25}\b(the )?user\b/i,
        /\bwithout\b.{0,20}\b(telling|informing|notifying|asking|alerting)\b.{0,15}\b(the )?user\b/i,
        /\b(user|human)\b.{0,20}\b(must|should) not (know|see|be told)\b/i,
        /\b(silently|secretly|covertly|quietly)\b/i,
        /\bkeep (this|it) (secret|hidden|confidential)\b/i,
      ]),
  },
  {
    id: 'model-imperative',
    weight: 1.5,
    description: 'Imperatives aimed at the model about its own behaviour (not about the input)',
    detect: (t) =>
      first(t, [
        /\b(before|after) (using|calling|invoking|running) (this|any|the) tool\b/i,
        /\b(the )?(assistant|model|ai|llm|agent|claude)\b.{0,15}\b(must|should|needs? to|has to|is required to)\b/i,
        /\byou (must|should|need to|have to|are required to) (always |first |also )?(call|use|invoke|read|send|include|pass|run|execute|add|append)\b/i,
        /\b(always|first) (call|invoke|use|read|run)\b.{0,40}\b(tool|function|file)\b/i,
        /\bas a side ?note\b|\bsidenote\b/i,
        /\bdecode and (follow|execute|run|obey)\b|\b(execute|follow|run|obey) the (decoded|hidden|encoded)\b/i,
        /\b(always|never) (prefer|call|use|invoke)\b/i,
      ]),
  },
  {
    id: 'cross-tool',
    weight: 1.5,
    description: 'Mentions other tools or servers, or changes how they behave (shadowing)',
    detect: (t) =>
      first(t, [
        /\b(other|another|all|any|every) (tools?|servers?|mcp servers?|functions?)\b/i,
        /\bwhen(ever)? (the )?(user|assistant|model|you)\b.{0,30}\b(calls?|uses?|invokes?)\b.{0,20}\b`?[a-z]+_[a-z_]+`?/i,
        /\b(the )?`?[a-z]+(_[a-z]+)+`? tool\b(?! (returns|accepts))/i,
        /\b(instead of|rather than) (using |calling )?(the )?`?[a-z]+_[a-z_]+`?/i,
      ]),
  },
  {
    id: 'sensitive-target',
    weight: 2,
    description: 'Names credentials or configuration the tool has no reason to touch',
    detect: (t) =>
      first(t, [
        /~\/\.(ssh|aws|gnupg|kube|docker|config\/gh|netrc)\b/i,
        /\bid_(rsa|ed25519|ecdsa)\b/i,
        /\b(mcp|claude_desktop_config|settings)\.json\b/i,
        /\b(private key|api[ _-]?keys?|access tokens?|passwords?|credentials|secrets?|seed phrase|session cookies?)\b.{0,40}\b(read|send|include|pass|collect|copy|forward|attach|upload)\b/i,
        /\b(read|send|include|pass|collect|copy|forward|attach|upload)\b.{0,40}\b(private key|api[ _-]?keys?|access tokens?|passwords?|credentials|secrets?|seed phrase|session cookies?|\.env)\b/i,
      ]),
  },
  {
    id: 'exfiltration',
    weight: 1.5,
    description: 'Sends data to a destination named in the description (URL, e-mail, extra parameter)',
    detect: (t) =>
      first(t, [
        /\b(send|post|upload|forward|report|copy|bcc|cc)\b.{0,40}\b(https?:\/\/\S+|[\w.+-]+@[\w-]+\.[\w.]+)/i,
        /\b(put|pass|include|append|add|embed)\b.{0,40}\b(in|into|to|as)\b.{0,12}\b(the )?`?\w+`? (parameter|argument|field)\b/i,
        /\bconversation (history|so far)\b/i,
      ]),
  },
  {
    id: 'encoded-payload',
    weight: 2,
    description: 'Long base64/hex runs or escape sequences a reviewer cannot read',
    detect: (t) =>
      first(t, [
        /[A-Za-z0-9+/]{40,}={0,2}/,
        /\b(?:[0-9a-f]{2}){24,}\b/i,
        /(\\x[0-9a-f]{2}){4,}|(\\u[0-9a-f]{4}){4,}/i,
        /\b(base64|rot13)[- ]?(decode|encoded)\b/i,
      ]),
  },
  {
    id: 'hidden-characters',
    weight: 3,
    description: 'Zero-width, bidirectional-control or Unicode tag characters',
    detect: (t) => {
      const h = hiddenCharacters(t);
      return h.length > 0 ? `${h.length} invisible character(s), first ${h[0]?.codepoint}` : null;
    },
  },
  {
    id: 'length-anomaly',
    weight: 1,
    description: 'Much longer than a tool description needs to be (> 600 characters or > 8 sentences)',
    detect: (t) => {
      const sentences = t.split(/[.!?]\s+/).filter((s) => s.trim().length > 0).length;
      return t.length > 600 || sentences > 8 ? `${t.length} characters, ${sentences} sentences` : null;
    },
  },
  {
    id: 'urgency',
    weight: 0.75,
    description: 'Shouting and urgency markers (IMPORTANT, CRITICAL, !!!, VERY VERY)',
    detect: (t) =>
      first(t, [/\b(IMPORTANT|CRITICAL|MANDATORY|URGENT|WARNING|ATTENTION)\b/, /!!+/, /\bVERY,? VERY\b/i]),
  },
];

export function extractFeatures(text: string): FeatureHit[] {
  const out: FeatureHit[] = [];
  for (const f of FEATURES) {
    const evidence = f.detect(text);
    if (evidence !== null) out.push({ id: f.id, evidence });
  }
  return out;
}

/** The text without its invisible characters: what a human reviewer sees. */
export function stripHidden(text: string): string {
  return text.replace(new RegExp(HIDDEN_CHARS.source, 'gu'), '');
}
