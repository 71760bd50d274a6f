import { defineDetector } from '../../api.js';

const PRIVILEGED =
  /^(delete|drop|remove|destroy|purge|wipe|truncate|reset|grant|revoke|set_?role|promote|demote|admin|shutdown|reboot|restart|kill|exec|execute|run_?(command|shell|sql|query)|transfer|refund|pay|deploy|rollback|create_?(user|admin|token|api_?key)|update_?(user|role|permissions)|disable|suspend|ban|impersonate)([_-]|$)/;

export default defineDetector({
  id: 'MCP-K002',
  class: 'K',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-306', 'CWE-862'],
  title: 'Privileged tool exposed over HTTP without authentication',
  remediation:
    'Require authentication on HTTP/SSE transports (the SDK bearer-token/OAuth middleware, a token verifier) and ' +
    'check the caller is allowed to run destructive or administrative tools; or serve the server on stdio only.',
  visitors: {
    onSurface: (ctx) => {
      const { transports, auth, tools } = ctx.surface;
      const network = transports.filter((t) => t.kind !== 'stdio');
      if (network.length === 0 || auth.length > 0) return;
      const dirOf = (f: string) => (f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '');
      const dirs = new Set(network.map((t) => dirOf(t.location.file)));
      for (const tool of tools) {
        if (!PRIVILEGED.test(tool.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase())) continue;
        // Only servers whose network transport lives in the same folder as the tool.
        if (!dirs.has(dirOf(tool.location.file))) continue;
        ctx.report(tool, {
          message: `Tool "${tool.name}" performs a privileged action and the server accepts ${network[0]?.kind} connections with no authentication: anyone who can reach it can call the tool`,
        });
      }
    },
  },
});
