import type { CallView, NodeQuery } from '../../api.js';
import { defineDetector } from '../../api.js';
import {
  constantPrefix,
  HTTP_CLIENTS,
  type HttpClient,
  METADATA_HOST,
  URL_GUARDS,
  URL_SANITIZERS,
} from '../http-shapes.js';

/** Paths of the metadata services that hand out credentials, tokens or user-data (often secrets). */
const CREDENTIAL_PATH =
  /security-credentials|service-accounts|identity\/oauth2\/token|(?<!\/api)\/token\b|user-data|credentials|\/v1\/instance\/attributes|computeMetadata\/v1\/?$/i;

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}
const CLIENTS: { client: HttpClient; res: RegExp[] }[] = HTTP_CLIENTS.map((client) => ({
  client,
  res: client.callee.map(glob),
}));

function clientOf(call: CallView): HttpClient | undefined {
  return CLIENTS.find(
    (c) => c.client.languages.includes(call.language) && c.res.some((r) => r.test(call.callee)),
  )?.client;
}

function metadataPrefix(call: CallView, q: NodeQuery, client: HttpClient) {
  const prefix = constantPrefix(client.url(call, q), q);
  return prefix && METADATA_HOST.test(prefix.text) ? prefix : null;
}

export default defineDetector({
  id: 'MCP-C004',
  class: 'C',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-918', 'CWE-522'],
  title:
    'Request to a cloud metadata endpoint (169.254.169.254, metadata.google.internal) for credentials or a caller-chosen path',
  remediation:
    'MCP tools should not read instance metadata: the credentials there belong to the host, not to the model. ' +
    'Use the cloud SDK’s credential chain inside the server without returning secrets, and never let a tool ' +
    'argument choose the metadata path; block link-local and metadata addresses in any URL fetcher.',
  taint: {
    sinkKind: 'ssrf-metadata',
    sinks: HTTP_CLIENTS.map((c) => ({
      languages: c.languages,
      callee: c.callee,
      message: 'A tool argument chooses the path requested from the cloud metadata service',
      pick: (call, q) => {
        const prefix = metadataPrefix(call, q, c);
        const url = c.url(call, q);
        return prefix && !prefix.whole && url ? [{ node: url }] : [];
      },
    })),
    sanitizers: URL_SANITIZERS.map((s) => ({ ...s, clears: ['ssrf-metadata'] })),
    guards: URL_GUARDS.map((g) => ({ ...g, clears: ['ssrf-metadata'] })),
  },
  visitors: {
    onCall: (call, ctx) => {
      const client = clientOf(call);
      if (!client) return;
      const prefix = metadataPrefix(call, ctx.q, client);
      if (!prefix?.whole || !CREDENTIAL_PATH.test(prefix.text.replace(METADATA_HOST, '/'))) return;
      ctx.report(call.node, {
        message: `The server requests cloud credentials from the metadata service (${prefix.text})`,
      });
    },
  },
});
