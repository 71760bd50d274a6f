import { commandShape } from '../../a/command-shapes.js';
import { defineDetector } from '../../api.js';

const ELEVATE = /^\s*(?:\S*\/)?(sudo|doas|pkexec|su|runas)(\s|$)/;
const SETUID = [
  'os.setuid',
  'os.seteuid',
  'os.setreuid',
  'os.setresuid',
  'process.setuid',
  'process.seteuid',
  'syscall.Setuid',
  'syscall.Seteuid',
  'syscall.Setreuid',
  'golang.org/x/sys/unix.Setuid',
  'golang.org/x/sys/unix.Setreuid',
];

export default defineDetector({
  id: 'MCP-I001',
  class: 'I',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-250', 'CWE-269'],
  title: 'Runs commands as root (sudo, su, pkexec) or switches to uid 0',
  remediation:
    'An MCP server should run with the least privilege its tools need. Do not call sudo/su/pkexec or setuid(0) ' +
    'from a server; grant the narrow capability (a group, a polkit rule for one action, a user-level service) instead.',
  visitors: {
    onCall: (call, ctx) => {
      if (SETUID.includes(call.callee)) {
        const uid = call.args[0];
        if (uid && /^(0|0o0|0x0)$/.test(ctx.q.text(ctx.q.resolve(uid)).trim()))
          ctx.report(call.node, { message: `${call.rawCallee}(0) switches the server process to root` });
        return;
      }
      const shape = commandShape(call, ctx.q);
      if (!shape) return;
      const first = shape.shellString[0] ?? shape.program;
      if (!first) return;
      const text = ctx.q.stringValue(first) ?? (first.type.includes('string') ? ctx.q.text(first) : null);
      const m = text !== null ? ELEVATE.exec(text.replace(/^[`'"f]+/, '')) : null;
      if (m)
        ctx.report(call.node, {
          message: `The server runs a command through ${m[1]}: a tool call executes with root privileges`,
        });
    },
  },
});
