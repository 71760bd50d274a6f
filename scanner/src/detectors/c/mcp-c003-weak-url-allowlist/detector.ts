import { defineDetector } from '../../api.js';
import { ssrfRule } from '../ssrf-rule.js';

export default defineDetector({
  id: 'MCP-C003',
  class: 'C',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-918', 'CWE-1286'],
  title: 'URL allowlist check that can be bypassed (substring, prefix without slash, unanchored regex)',
  remediation:
    'Do not test the URL string: parse it and compare the exact hostname (or origin) with an allowlist, e.g. ' +
    'ALLOWED.has(new URL(u).hostname), urlparse(u).hostname in ALLOWED, allowed[u.Hostname()]; a prefix test needs the ' +
    "trailing slash ('https://api.example.com/'), a suffix test a leading dot, a regex both anchors.",
  taint: ssrfRule(true, 'Attacker-controlled URL is requested after a check that does not pin the host'),
});
