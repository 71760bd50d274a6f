import { defineDetector } from '../../api.js';
import { ssrfRule } from '../ssrf-rule.js';

export default defineDetector({
  id: 'MCP-C001',
  class: 'C',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-918'],
  title: 'Server-side request forgery: a tool argument chooses the URL or host the server requests',
  remediation:
    'Parse the URL and compare its hostname against an allowlist (new URL(u).hostname, urlparse(u).hostname, ' +
    'url.Parse(u).Hostname()), or keep a fixed base URL and pass user values only as encoded path segments or ' +
    'query values (encodeURIComponent, urllib.parse.quote, url.PathEscape). When arbitrary hosts are a feature, ' +
    'resolve the name and refuse private, loopback, link-local and metadata addresses before connecting.',
  taint: ssrfRule(false, 'Attacker-controlled URL is requested by the server with no host check'),
});
