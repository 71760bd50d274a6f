import type { SyntaxNode } from 'tree-sitter';
import type { NodeQuery, PickedArg } from '../../api.js';
import { defineDetector } from '../../api.js';

/** A hostname built as `<dynamic>.<constant domain>`: data smuggled out as a subdomain label. */
function subdomainPayload(node: SyntaxNode | undefined, q: NodeQuery): PickedArg[] {
  if (!node) return [];
  const n = q.resolve(node);
  const text = q.text(n);
  // f"{x}.evil.com", `${x}.evil.com`, x + ".evil.com", fmt.Sprintf("%s.evil.com", x), "%s.%s" % (...)
  const dynamicThenDomain =
    /(\{[^}]+\}|\$\{[^}]+\}|%[sdvx])\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+['"`]/.test(text) ||
    /\+\s*['"`]\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+['"`]\s*$/.test(text);
  return dynamicThenDomain ? [{ node, note: 'as a subdomain label' }] : [];
}

const pick =
  (i: number) =>
  (call: { args: SyntaxNode[] }, q: NodeQuery): PickedArg[] =>
    subdomainPayload(call.args[i], q);

export default defineDetector({
  id: 'MCP-M004',
  class: 'M',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-200', 'CWE-201'],
  title: 'Data exfiltrated through DNS lookups (subdomain encoding)',
  remediation:
    "Never put data into hostnames: a DNS lookup of `<data>.domain` delivers the data to whoever runs that domain's " +
    'name server, past HTTP egress filters. Remove the lookup; resolve only hostnames the user supplied.',
  taint: {
    sinkKind: 'dns-label',
    sources: ['env', 'file', 'tool-param', 'http-request', 'cli'],
    sinks: [
      {
        languages: ['python'],
        callee: [
          'socket.gethostbyname',
          'socket.gethostbyname_ex',
          'socket.getaddrinfo',
          'dns.resolver.resolve',
          'dns.resolver.query',
          'dns.resolver.Resolver().resolve',
        ],
        pick: pick(0),
        message: 'Data is sent out as part of a DNS name',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: [
          'dns.lookup',
          'dns.resolve',
          'dns.resolve4',
          'dns.resolve6',
          'dns.resolveTxt',
          'dns.resolveCname',
          'dns.promises.lookup',
          'dns.promises.resolve',
          'dns.promises.resolveTxt',
          'dns/promises.lookup',
          'dns/promises.resolve',
          'dns/promises.resolveTxt',
          'dns/promises.resolve4',
        ],
        pick: pick(0),
        message: 'Data is sent out as part of a DNS name',
      },
      {
        languages: ['go'],
        callee: [
          'net.LookupHost',
          'net.LookupIP',
          'net.LookupTXT',
          'net.LookupCNAME',
          'net.LookupAddr',
          'net.DefaultResolver.LookupHost',
          'net.DefaultResolver.LookupTXT',
        ],
        pick: pick(0),
        message: 'Data is sent out as part of a DNS name',
      },
      {
        languages: ['go'],
        callee: ['net.DefaultResolver.LookupIPAddr', '*.LookupHost', '*.LookupTXT'],
        pick: pick(1),
        message: 'Data is sent out as part of a DNS name',
      },
    ],
  },
});
