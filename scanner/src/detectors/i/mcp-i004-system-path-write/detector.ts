import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery } from '../../api.js';
import { defineDetector } from '../../api.js';

const TARGETS: [RegExp, string][] = [
  [
    /(^|[/\\])\.(bashrc|bash_profile|bash_login|profile|zshrc|zprofile|zshenv|kshrc|cshrc|tcshrc)$|fish[/\\]config\.fish$/,
    'a shell startup file',
  ],
  [/\.ssh[/\\](authorized_keys2?|config|rc)$/, 'SSH access configuration'],
  [
    /(^|[/\\])(crontab|cron\.d[/\\]|cron\.(daily|hourly|weekly)[/\\])|[/\\]var[/\\]spool[/\\]cron/,
    'a cron schedule',
  ],
  [
    /Library[/\\]Launch(Agents|Daemons)[/\\]|\.config[/\\](autostart|systemd[/\\]user)[/\\]|[/\\]etc[/\\]systemd[/\\]|Start Menu[/\\]Programs[/\\]Startup/,
    'an autostart location',
  ],
  [
    /^[/\\](etc|usr|bin|sbin|boot|lib|lib64|opt[/\\]homebrew[/\\]bin|System|Library)([/\\]|$)|^[A-Za-z]:[/\\]Windows[/\\]/i,
    'a system path',
  ],
];

const WRITES: Record<string, number | 'receiver'> = {
  'shutil.copy': 1,
  'shutil.copyfile': 1,
  'shutil.copy2': 1,
  'shutil.move': 1,
  'os.symlink': 1,
  'os.rename': 1,
  'os.replace': 1,
  'fs.writeFileSync': 0,
  'fs.appendFileSync': 0,
  'fs.writeFile': 0,
  'fs.appendFile': 0,
  'fs.createWriteStream': 0,
  'fs.copyFileSync': 1,
  'fs.symlinkSync': 1,
  'fs/promises.writeFile': 0,
  'fs/promises.appendFile': 0,
  'fs/promises.copyFile': 1,
  'fs.promises.writeFile': 0,
  'fs.promises.appendFile': 0,
  'os.WriteFile': 0,
  'os.Create': 0,
  'os.Symlink': 1,
  'os.Rename': 1,
  'io/ioutil.WriteFile': 0,
};

/** Constant text a path expression is made of (literals, joins, `~`/home prefixes), joined with '/'. */
function pathText(node: SyntaxNode, q: NodeQuery, depth = 0): string {
  if (depth > 3) return '';
  const r = q.resolve(node);
  const whole = q.stringValue(r);
  if (whole !== null) return whole;
  const parts: string[] = [];
  for (const s of r.descendantsOfType([
    'string',
    'template_string',
    'interpreted_string_literal',
    'raw_string_literal',
    'string_fragment',
  ])) {
    if (s.type === 'string_fragment') continue;
    const v = q.stringValue(s);
    if (v !== null) parts.push(v);
  }
  if (parts.length === 0)
    for (const id of r.descendantsOfType(['identifier'])) {
      const v = q.resolve(id);
      if (v !== id) parts.push(pathText(v, q, depth + 1));
    }
  return parts.filter(Boolean).join('/').replace(/\/+/g, '/');
}

function writtenPath(call: CallView, q: NodeQuery): SyntaxNode | null {
  if (call.language === 'python') {
    if (call.callee === 'open' || call.callee === 'io.open') {
      const mode = call.args[1] ?? call.kwargs.get('mode');
      const m = mode ? q.stringValue(mode) : null;
      return m && /[wax+]/.test(m) ? (call.args[0] ?? null) : null;
    }
    if (/\.(write_text|write_bytes|symlink_to|touch)$/.test(call.callee)) return call.receiver;
  }
  if (call.language === 'go' && call.callee === 'os.OpenFile') {
    const flags = call.args[1] ? q.text(call.args[1]) : '';
    return /O_WRONLY|O_RDWR|O_APPEND|O_CREATE/.test(flags) ? (call.args[0] ?? null) : null;
  }
  const pos = WRITES[call.callee];
  if (pos === undefined) return null;
  return pos === 'receiver' ? call.receiver : (call.args[pos] ?? null);
}

export default defineDetector({
  id: 'MCP-I004',
  class: 'I',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-732', 'CWE-284'],
  title: 'Writes to a system path, shell startup file or persistence location',
  remediation:
    'An MCP server should write only inside its own data folder or a folder the user chose. Do not modify shell ' +
    'rc files, SSH authorized_keys, cron, autostart/launchd entries or system folders; print instructions for the ' +
    'user instead.',
  visitors: {
    onCall: (call, ctx) => {
      const node = writtenPath(call, ctx.q);
      if (!node) return;
      const path = pathText(node, ctx.q);
      if (!path) return;
      const hit = TARGETS.find(([re]) => re.test(path));
      if (hit)
        ctx.report(call.node, {
          message: `The server writes to ${hit[1]} (${path.slice(0, 80)}): it reaches beyond its purpose and can persist or escalate`,
        });
    },
  },
});
