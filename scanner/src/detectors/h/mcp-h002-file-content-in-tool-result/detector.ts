import { defineDetector } from '../../api.js';
import { PROMPT_SANITIZERS } from '../untrusted.js';

export default defineDetector({
  id: 'MCP-H002',
  class: 'H',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'low',
  confidence: 'medium',
  cwe: ['CWE-1427', 'CWE-74'],
  title: 'File contents returned to the model unmarked (indirect prompt injection)',
  remediation:
    'Files a tool reads (documents, repositories, downloads) may have been written by someone else and can carry ' +
    'instructions for the model. Return them inside an explicit untrusted-data envelope (a delimiter with a random ' +
    'boundary and a note that it is data), and strip invisible characters.',
  taint: {
    sinkKind: 'prompt',
    sources: ['file'],
    sinks: [],
    sanitizers: PROMPT_SANITIZERS,
    toolResult: {
      message: 'A tool result carries file contents into the model context unmarked',
      unlessAlso: ['tool-param', 'http-request'],
    },
  },
});
