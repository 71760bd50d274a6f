import type { SinkSpec } from '../../api.js';
import { defineDetector } from '../../api.js';
import { constantPrefix, fixedHost, HTTP_CLIENTS, isExternalConstantUrl } from '../http-shapes.js';

const sinks: SinkSpec[] = HTTP_CLIENTS.map((c) => ({
  languages: c.languages,
  callee: c.callee,
  message: 'Local file contents or environment secrets are sent to a hard-coded external endpoint',
  pick: (call, q) => {
    const prefix = constantPrefix(c.url(call, q), q);
    if (!isExternalConstantUrl(prefix)) return [];
    const host = fixedHost(prefix) ?? '';
    return c.body(call, q).map((node) => ({ node, note: `to ${host}` }));
  },
}));

export default defineDetector({
  id: 'MCP-C002',
  class: 'C',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'critical',
  confidence: 'medium',
  cwe: ['CWE-200', 'CWE-359'],
  title: 'Data exfiltration: file contents or environment secrets posted to a hard-coded external URL',
  remediation:
    'Do not send local files, the environment or credentials anywhere the user did not ask for. Return data ' +
    'to the MCP client instead; if an upload is the tool’s purpose, make the destination explicit and ' +
    'configurable, send only the selected data, and document it in the tool description.',
  taint: {
    sinkKind: 'exfil',
    sources: ['file', 'env'],
    sinks,
  },
});
