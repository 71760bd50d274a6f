/** The taint rule shared by MCP-C001 (no URL check) and MCP-C003 (a URL check that can be bypassed). */
import type { SyntaxNode } from 'tree-sitter';
import type { NodeQuery, SinkSpec, TaintRule } from '../api.js';
import { checksUrlHost, validatedByHelper } from '../b/validator-helpers.js';
import {
  authorityNodes,
  HTTP_CLIENTS,
  textBefore,
  URL_CHECK,
  URL_GUARDS,
  URL_SANITIZERS,
} from './http-shapes.js';

/** Base URLs that come from configuration rather than from the caller. */
const CONFIGURED = /^(?:process\.env\b|os\.environ\b|os\.getenv\(|os\.Getenv\(|(?:self|this)\.)/;

function inFunction(node: SyntaxNode): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (/function|lambda|method|arrow|func_literal/.test(n.type)) return true;
  }
  return false;
}

function configured(node: SyntaxNode, q: NodeQuery): boolean {
  if (q.isConstant(node) || CONFIGURED.test(node.text)) return true;
  if (node.type !== 'identifier') return false;
  const def = q.resolve(node);
  // A module-level variable (API = os.environ.get(...), const BASE_URL = ...) is configuration.
  return def.id !== node.id && !inFunction(def);
}

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
      // Only what decides the scheme and host matters: path and query values stay on the fixed host.
      const authority = authorityNodes(url, q);
      if (url.type !== 'identifier' || q.resolve(url).id === url.id)
        return authority.map((node) => ({ node }));
      // A variable: its own (guard-aware) taint counts, unless its host part is fixed or configured.
      return authority.every((n) => configured(n, q)) ? [] : [{ node: url }];
    },
  }));
  return { sinkKind: 'ssrf', sinks, sanitizers: URL_SANITIZERS, guards: URL_GUARDS };
}
