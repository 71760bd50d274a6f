/** The taint rule shared by MCP-C001 (no URL check) and MCP-C003 (a URL check that can be bypassed). */
import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery, SinkSpec, TaintRule } from '../api.js';
import { checksUrlHost, URL_VALIDATOR_NAME, validatedByHelper } from '../b/validator-helpers.js';
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

/** Why a URL check in `before` does not pin the host, for the C003 message. */
export function weakUrlReason(before: string): string {
  if (/\.(?:includes|indexOf|find)\(|['"][^'"]*['"]\s+(?:not\s+)?in\s+\w+|strings\.Contains\(/.test(before)) {
    return 'substring test: "https://attacker.test/?x=example.com" passes';
  }
  if (/(?:startsWith|startswith|HasPrefix)\([^)]*['"`]https?:\/\/[^/'"`]+['"`]/.test(before)) {
    return 'prefix without the slash after the host: "https://example.com.attacker.test/" passes';
  }
  if (/\.(?:test|match|search)\(|re\.(?:match|search)\(|MatchString\(/.test(before)) {
    return 'the regex does not pin the host (anchor both ends and end the host with a slash)';
  }
  if (/(?:endsWith|endswith|HasSuffix)\(/.test(before))
    return 'suffix without a leading dot: "attackerexample.com" passes';
  if (/protocol|scheme|Scheme/.test(before)) return 'only the scheme is checked, not the host';
  return 'the check does not compare the parsed hostname';
}

/** `fetch(u, { agent: ssrfFilter(u) })`, request-filtering-agent: the connection refuses internal addresses. */
function filteringAgent(call: CallView, q: NodeQuery): boolean {
  if (call.language !== 'javascript' && call.language !== 'typescript') return false;
  for (const opts of call.args.slice(0, 3)) {
    for (const key of ['agent', 'httpAgent', 'httpsAgent', 'dispatcher']) {
      const v = q.property(opts, key);
      if (v && /ssrf|filter|RequestFiltering|useAgent|safe/i.test(q.resolve(v).text)) return true;
    }
  }
  return false;
}

const dialerCache = new WeakMap<object, boolean>();

/**
 * Go's robust fix: an http.Client whose Dialer.Control (or DialContext) refuses private addresses
 * at connect time, which also covers redirects and DNS rebinding.
 */
function guardedDialer(call: CallView): boolean {
  if (call.language !== 'go') return false;
  let hit = dialerCache.get(call.node.tree);
  if (hit === undefined) {
    const text = call.node.tree.rootNode.text;
    hit =
      /Control:\s*func|DialContext:/.test(text) &&
      /\.Is(?:Private|Loopback|LinkLocalUnicast|Unspecified)\(\)/.test(text);
    dialerCache.set(call.node.tree, hit);
  }
  return hit;
}

export function ssrfRule(withCheck: boolean, message: string): TaintRule {
  const sinks: SinkSpec[] = HTTP_CLIENTS.map((c) => ({
    languages: c.languages,
    // urlopen(Request(url)) is reported once, at urlopen.
    callee: c.callee.filter((name) => name !== 'urllib.request.Request'),
    message,
    when: (call) => {
      const before = textBefore(call.node);
      if (validatedByHelper(call.node, before, checksUrlHost, URL_VALIDATOR_NAME)) return false;
      if (guardedDialer(call)) return false;
      return URL_CHECK.test(before) === withCheck;
    },
    pick: (call, q) => {
      const url = c.url(call, q);
      if (!url || filteringAgent(call, q)) return [];
      // Only what decides the scheme and host matters: path and query values stay on the fixed host.
      const authority = authorityNodes(url, q);
      const note = withCheck ? weakUrlReason(textBefore(call.node)) : undefined;
      const picked =
        url.type !== 'identifier' || q.resolve(url).id === url.id
          ? authority
          : // A variable: its own (guard-aware) taint counts, unless its host part is fixed or configured.
            authority.every((n) => configured(n, q))
            ? []
            : [url];
      return picked.map((node) => (note ? { node, note } : { node }));
    },
  }));
  return { sinkKind: 'ssrf', sinks, sanitizers: URL_SANITIZERS, guards: URL_GUARDS };
}
