import { defineDetector } from '../../api.js';
import { PROMPT_SANITIZERS } from '../untrusted.js';

export default defineDetector({
  id: 'MCP-H003',
  class: 'H',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'medium',
  confidence: 'medium',
  cwe: ['CWE-1427', 'CWE-74'],
  title: 'Untrusted content sent to the client model in a sampling request',
  remediation:
    'A sampling request (sampling/createMessage) puts its messages straight into the client model. Wrap fetched ' +
    'or file content in an explicit untrusted-data envelope, keep instructions in the system prompt, and treat ' +
    'the answer as untrusted too.',
  taint: {
    sinkKind: 'prompt',
    sources: ['network', 'file'],
    sinks: [
      {
        languages: ['javascript', 'typescript'],
        callee: ['*.createMessage'],
        args: [0],
        message: 'Untrusted content is sent to the client model in a sampling request',
      },
      {
        languages: ['python'],
        callee: ['*.create_message'],
        args: [{ kw: 'messages' }, { kw: 'system_prompt' }, 0],
        message: 'Untrusted content is sent to the client model in a sampling request',
      },
      {
        languages: ['go'],
        callee: ['*.RequestSampling', '*.CreateMessage'],
        args: [{ rest: 1 }],
        message: 'Untrusted content is sent to the client model in a sampling request',
      },
    ],
    sanitizers: PROMPT_SANITIZERS,
  },
});
