import { defineDetector } from '../../api.js';

const PY_UNVERIFIED = ['ssl._create_unverified_context', 'ssl._create_stdlib_context'];

export default defineDetector({
  id: 'MCP-I003',
  class: 'I',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-295'],
  title: 'TLS certificate verification disabled',
  remediation:
    'Keep certificate verification on. For a private CA, pass its bundle (verify="/path/ca.pem", `ca` option, ' +
    'a tls.Config with RootCAs) instead of turning verification off.',
  visitors: {
    onCall: (call, ctx) => {
      if (call.language !== 'python') return;
      if (PY_UNVERIFIED.includes(call.callee)) {
        ctx.report(call.node, {
          message: `${call.rawCallee}() creates a TLS context that accepts any certificate`,
        });
        return;
      }
      for (const kw of ['verify', 'ssl', 'verify_ssl']) {
        const v = call.kwargs.get(kw);
        if (v && ctx.q.booleanValue(v) === false)
          ctx.report(call.node, {
            message: `${call.rawCallee}(${kw}=False) accepts any TLS certificate: traffic can be intercepted and altered`,
          });
      }
    },
    onNode: {
      types: ['pair', 'assignment_expression', 'keyed_element', 'assignment'],
      visit: (node, ctx) => {
        const text = ctx.q.text(node).replace(/\s+/g, ' ');
        if (ctx.language === 'go') {
          if (/^InsecureSkipVerify ?: ?true$/.test(text))
            ctx.report(node, { message: 'tls.Config{InsecureSkipVerify: true} accepts any TLS certificate' });
          return;
        }
        if (ctx.language === 'python') {
          if (/\.(verify_mode ?= ?ssl\.CERT_NONE|check_hostname ?= ?False)$/.test(text))
            ctx.report(node, { message: `${text} turns TLS certificate checks off` });
          return;
        }
        if (/^['"]?rejectUnauthorized['"]? ?: ?(false|0)$/.test(text))
          ctx.report(node, { message: 'rejectUnauthorized: false accepts any TLS certificate' });
        else if (/NODE_TLS_REJECT_UNAUTHORIZED['"]?\]? ?= ?['"`]?0['"`]?$/.test(text))
          ctx.report(node, {
            message:
              'NODE_TLS_REJECT_UNAUTHORIZED=0 disables certificate checks for every request of the process',
          });
      },
    },
  },
});
