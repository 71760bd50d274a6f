import type { CallView, NodeQuery } from '../../api.js';
import { defineDetector } from '../../api.js';

/** Calls that read data the user did not choose to share: files, databases, mailboxes, secrets. */
const READS: RegExp[] = [
  /^(open|io\.open|aiofiles\.open|pathlib\.Path\(\)\.read_text|pathlib\.Path\(\)\.read_bytes|.*\.read_text|.*\.read_bytes|sqlite3\.connect|psycopg2?\.connect|imaplib\.IMAP4(_SSL)?|os\.getenv|os\.environ\.get|keyring\.get_password)$/,
  /^(fs\.readFileSync|fs\.readFile|fs\/promises\.readFile|fs\.promises\.readFile|fs\.readdirSync|better-sqlite3|pg\.Pool\(\)\.query|pg\.Client\(\)\.query|keytar\.getPassword)$/,
  /^(os\.ReadFile|os\.Open|io\/ioutil\.ReadFile|os\.Getenv|database\/sql\.Open)$/,
];

/** Calls that send data somewhere outside the machine. */
function sendKind(call: CallView, q: NodeQuery): string | null {
  const c = call.callee;
  if (
    /^(requests|httpx)\.(post|put|patch)$|^smtplib\.SMTP(_SSL)?\(\)\.(sendmail|send_message)$|^.*\.chat_postMessage$/.test(
      c,
    )
  )
    return c;
  if (/^(axios\.(post|put|patch)|nodemailer\.createTransport\(\)\.sendMail|.*\.sendMail)$/.test(c)) return c;
  if (/^(net\/http\.(Post|PostForm)|net\/smtp\.SendMail)$/.test(c)) return c;
  if (c === 'fetch' && call.args[1]) {
    const method = q.property(call.args[1], 'method');
    const m = method ? q.stringValue(method) : null;
    if (m && /^(post|put|patch)$/i.test(m)) return `fetch (${m.toUpperCase()})`;
  }
  if (/^net\/http\.NewRequest(WithContext)?$/.test(c)) {
    const method = call.args[c.endsWith('Context') ? 1 : 0];
    const m = method ? (q.stringValue(method) ?? q.text(method)) : '';
    if (/^(POST|PUT|PATCH)$|MethodPost|MethodPut/.test(m)) return c;
  }
  return null;
}

interface ToolUse {
  reads: Set<string>;
  sends: Set<string>;
}

/**
 * Per-scan record of what each tool handler does, filled by `onCall` (which runs during the taint
 * pass) and consumed by `onSurface` (which runs right after it, synchronously, in the same scan).
 */
const seen = new Map<string, ToolUse>();

export default defineDetector({
  id: 'MCP-J002',
  class: 'J',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-200', 'CWE-441'],
  title: 'Toxic tool combination: one tool reads private data, another sends data out',
  remediation:
    'Split private-data tools and outbound tools into separate servers, or require user confirmation ' +
    '(elicitation) before the outbound tool sends anything, and restrict its destinations to an allowlist. ' +
    'A prompt injection that reaches the model can otherwise chain the two to exfiltrate data.',
  visitors: {
    onCall: (call, ctx) => {
      if (!ctx.tool) return;
      const key = `${ctx.file}\0${ctx.tool}`;
      const use = seen.get(key) ?? { reads: new Set<string>(), sends: new Set<string>() };
      if (READS.some((re) => re.test(call.callee))) use.reads.add(call.rawCallee);
      const send = sendKind(call, ctx.q);
      if (send) use.sends.add(send);
      if (use.reads.size > 0 || use.sends.size > 0) seen.set(key, use);
    },
    onSurface: (ctx) => {
      const uses = new Map([...seen].map(([k, v]) => [k, v]));
      seen.clear();
      const dirOf = (f: string) => (f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '');
      const tools = ctx.surface.tools;
      const useOf = (name: string, file: string) => uses.get(`${file}\0${name}`);
      for (const sender of tools) {
        const s = useOf(sender.name, sender.location.file);
        if (!s || s.sends.size === 0) continue;
        const reader = tools
          .filter((t) => t.name !== sender.name && dirOf(t.location.file) === dirOf(sender.location.file))
          .map((t) => ({ t, u: useOf(t.name, t.location.file) }))
          .filter((x) => x.u && x.u.reads.size > 0 && x.u.sends.size === 0)
          .sort((a, b) => (a.t.name < b.t.name ? -1 : a.t.name > b.t.name ? 1 : 0))[0];
        if (!reader?.u) continue;
        ctx.report(sender, {
          message:
            `Tool "${reader.t.name}" reads private data (${[...reader.u.reads].sort().join(', ')}) and tool ` +
            `"${sender.name}" sends data out (${[...s.sends].sort().join(', ')}) in the same server: a prompt-injected ` +
            'model can chain them to exfiltrate that data',
        });
      }
    },
  },
});
