import type { CallView, NodeQuery } from '../../api.js';
import { defineDetector } from '../../api.js';

type Effect =
  | 'writes files'
  | 'deletes'
  | 'runs commands'
  | 'sends data over the network'
  | 'changes a database';

const EXEC =
  /^(subprocess\.\w+|os\.(system|popen|exec\w*|spawn\w*)|child_process\.\w+|os\/exec\.Command(Context)?|eval|exec)$/;
const DELETE =
  /^(os\.(remove|unlink|rmdir|removedirs|Remove|RemoveAll)|shutil\.rmtree|fs\.(rm|rmSync|rmdir|rmdirSync|unlink|unlinkSync)|fs\/promises\.(rm|rmdir|unlink)|fs\.promises\.(rm|unlink))$|\.(unlink|rmdir)$/;
const WRITE =
  /^(fs\.(writeFile|writeFileSync|appendFile|appendFileSync|renameSync|rename|copyFile|copyFileSync)|fs\/promises\.(writeFile|appendFile|rename|copyFile)|fs\.promises\.(writeFile|appendFile)|os\.(WriteFile|Create|Rename)|io\/ioutil\.WriteFile|shutil\.(copy\w*|move)|os\.(rename|replace))$|\.(write_text|write_bytes)$/;
const SEND_ALWAYS =
  /^(requests\.(post|put|patch|delete)|httpx\.(post|put|patch|delete)|axios\.(post|put|patch|delete)|net\/http\.(Post|PostForm)|smtplib\.SMTP\(\)\.\w+)$|\.(sendmail|send_message|sendMail)$/;
const SQL_WRITE = /^\s*(insert|update|delete|drop|alter|truncate|create)\b/i;

function effectOf(call: CallView, q: NodeQuery): Effect | null {
  const c = call.callee;
  if (EXEC.test(c)) return 'runs commands';
  if (DELETE.test(c)) return 'deletes';
  if (WRITE.test(c)) return 'writes files';
  if (c === 'open' || c === 'io.open') {
    const mode = call.kwargs.get('mode') ?? call.args[1];
    const m = mode ? q.stringValue(mode) : null;
    return m && /[wax+]/.test(m) ? 'writes files' : null;
  }
  if (c === 'os.OpenFile')
    return /O_WRONLY|O_RDWR|O_CREATE|O_APPEND/.test(q.text(call.node)) ? 'writes files' : null;
  if (SEND_ALWAYS.test(c)) return 'sends data over the network';
  if (c === 'fetch' && call.args[1]) {
    const method = q.property(call.args[1], 'method');
    const m = method ? q.stringValue(method) : null;
    return m && !/^(get|head|options)$/i.test(m) ? 'sends data over the network' : null;
  }
  if (/^net\/http\.NewRequest(WithContext)?$/.test(c)) {
    const method = call.args.find((a) => /^(http\.Method\w+|"[A-Z]+")$/.test(q.text(a)));
    return method && !/Get|Head|Options|"GET"|"HEAD"/.test(q.text(method))
      ? 'sends data over the network'
      : null;
  }
  if (/(^|\.)(execute|executemany|exec|Exec|ExecContext|run|query)$/.test(c) && call.args[0]) {
    const sql = q.stringValue(call.args[0]);
    return sql && SQL_WRITE.test(sql) ? 'changes a database' : null;
  }
  return null;
}

/** What a description or name promises: no side effects. */
const READ_ONLY_CLAIM =
  /\b(read[- ]only|does not (modify|change|write|delete)|doesn't (modify|change|write|delete)|without (modifying|changing|side effects)|no side[- ]effects|never (modifies|writes|deletes|changes)|safe to call|non-destructive)\b/i;
const READ_VERB_DESC =
  /^\s*(get|gets|list|lists|read|reads|show|shows|return|returns|search|searches|look up|looks up|find|finds|count|counts|describe|describes|view|views|check|checks|inspect|inspects)\b/i;
const READ_VERB_NAME =
  /^(get|list|read|show|search|find|lookup|count|describe|view|check|inspect|stat|peek)([_-]|[A-Z]|$)/;

export default defineDetector({
  id: 'MCP-G004',
  class: 'G',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-1427', 'CWE-912'],
  title: 'Tool described as read-only, but its handler writes, deletes, executes or sends data',
  remediation:
    'A description is what users and clients approve. Describe every side effect of the tool (and mark it with ' +
    'destructiveHint / readOnlyHint: false), or remove the hidden effect from its handler.',
  visitors: {
    onSurface: (ctx) => {
      for (const tool of ctx.surface.tools) {
        const desc = tool.description ?? '';
        const explicit = READ_ONLY_CLAIM.exec(desc)?.[0];
        const claim =
          explicit ??
          READ_VERB_DESC.exec(desc)?.[0]?.trim() ??
          (READ_VERB_NAME.test(tool.name) ? tool.name : null);
        if (!claim) continue;
        // "Show"/"list" tools may run a command or keep a cache file to read something; they must not destroy
        // or send data. An explicit "read-only" promise rules out every side effect.
        const contradicts = (e: Effect) =>
          explicit !== undefined ||
          e === 'deletes' ||
          e === 'changes a database' ||
          e === 'sends data over the network';
        // A description that names the effect is honest ("Reads X and deletes it").
        const admits =
          /\b(writes?|sav(e|es|ing)|delet(e|es|ing)|remov(e|es|ing)|creat(e|es|ing)|send(s|ing)?|post(s|ing)?|upload(s|ing)?|run(s|ning)?|execut(e|es|ing)|modif(y|ies)|updat(e|es|ing)|clean(s|ing)? up|rotat(e|es|ing))\b/i;
        if (admits.test(desc.replace(new RegExp(READ_ONLY_CLAIM.source, 'gi'), ''))) continue;
        const found = new Map<Effect, string>();
        for (const { call, file, q } of ctx.handlerCalls(tool)) {
          const effect = effectOf(call, q);
          if (effect && contradicts(effect) && !found.has(effect))
            found.set(effect, `${call.rawCallee} at ${file}:${call.node.startPosition.row + 1}`);
        }
        if (found.size === 0) continue;
        const what = [...found].map(([e, at]) => `${e} (${at})`).join(', ');
        ctx.report(tool, {
          message: `Tool "${tool.name}" presents itself as read-only ("${claim}") but its handler ${what}`,
        });
      }
    },
  },
});
