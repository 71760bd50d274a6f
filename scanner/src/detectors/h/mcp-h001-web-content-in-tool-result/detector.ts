import { defineDetector } from '../../api.js';
import { PROMPT_SANITIZERS } from '../untrusted.js';

export default defineDetector({
  id: 'MCP-H001',
  class: 'H',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'medium',
  confidence: 'medium',
  cwe: ['CWE-1427', 'CWE-74'],
  title: 'Fetched web content returned to the model unmarked (indirect prompt injection)',
  remediation:
    'Content fetched from the network (web pages, issues, e-mails, API bodies) can carry instructions for the ' +
    'model. Return it inside an explicit untrusted-data envelope (a delimiter with a random boundary and a note ' +
    'that it is data, not instructions), strip markup and invisible characters, and prefer structured fields over raw bodies.',
  taint: {
    sinkKind: 'prompt',
    sources: ['network'],
    sinks: [],
    sanitizers: PROMPT_SANITIZERS,
    toolResult: {
      message: 'A tool result carries content fetched from the network into the model context unmarked',
      unlessAlso: ['tool-param', 'http-request'],
    },
  },
});
