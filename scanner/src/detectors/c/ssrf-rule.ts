/** The taint rule shared by MCP-C001 (no URL check) and MCP-C003 (a URL check that can be bypassed). */
import type { SinkSpec, TaintRule } from '../api.js';
import { checksUrlHost, validatedByHelper } from '../b/validator-helpers.js';
import {
  constantPrefix,
  fixedHost,
  HTTP_CLIENTS,
  textBefore,
  URL_CHECK,
  URL_GUARDS,
  URL_SANITIZERS,
} from './http-shapes.js';

export function ssrfRule(withCheck: boolean, message: string): TaintRule {
  const sinks: SinkSpec[] = HTTP_CLIENTS.map((c) => ({
    languages: c.languages,
    // urlopen(Request(url)) is reported once, at urlopen.
    callee: c.callee.filter((name) => name !== 'urllib.request.Request'),
    message,
    when: (call) => {
      const before = textBefore(call.node);
      if (validatedByHelper(call.node, before, checksUrlHost)) return false;
      return URL_CHECK.test(before) === withCheck;
    },
    pick: (call, q) => {
      const url = c.url(call, q);
      if (!url) return [];
      // A constant scheme://host/ prefix pins the host: the rest can only choose a path on it.
      if (fixedHost(constantPrefix(url, q)) !== null) return [];
      return [{ node: url }];
    },
  }));
  return { sinkKind: 'ssrf', sinks, sanitizers: URL_SANITIZERS, guards: URL_GUARDS };
}
