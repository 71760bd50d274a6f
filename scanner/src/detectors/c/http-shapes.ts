/**
 * HTTP clients of every language brought to one shape (which argument is the URL, which carry the
 * request body), plus the URL encoders and host allowlist checks shared by the class C detectors.
 * Kind 'ssrf': the URL (or the host part of it) is attacker-controlled.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { Language } from '../../types.js';
import type { CallView, GuardSpec, NodeQuery, SanitizerSpec } from '../api.js';

const PY: Language[] = ['python'];
const JS: Language[] = ['javascript', 'typescript'];
const GO: Language[] = ['go'];

const VERBS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'stream'];
const PY_CLIENTS = [
  'requests',
  'requests.Session()',
  'requests.session()',
  'httpx',
  'httpx.Client()',
  'httpx.AsyncClient()',
  'aiohttp.ClientSession()',
  '*client',
  '*Client',
  '*session',
];
const JS_CLIENTS = ['axios', 'got', 'superagent', 'needle', 'ky', 'undici'];

export interface HttpClient {
  languages: readonly Language[];
  callee: string[];
  /** Where the URL is: a position, a Python keyword, or a property of an options object. */
  url: (call: CallView, q: NodeQuery) => SyntaxNode | undefined;
  /** Arguments that carry the request body / form / query data. */
  body: (call: CallView, q: NodeQuery) => SyntaxNode[];
}

const prop = (q: NodeQuery, obj: SyntaxNode | undefined, ...keys: string[]): SyntaxNode[] =>
  obj ? keys.map((k) => q.property(obj, k)).filter((n): n is SyntaxNode => !!n) : [];

const isObject = (q: NodeQuery, n: SyntaxNode | undefined): boolean =>
  !!n && /^(object|dictionary)$/.test(q.resolve(n).type);

const kw = (call: CallView, ...keys: string[]): SyntaxNode[] =>
  keys.map((k) => call.kwargs.get(k)).filter((n): n is SyntaxNode => !!n);

export const HTTP_CLIENTS: readonly HttpClient[] = [
  // Python
  {
    languages: PY,
    callee: PY_CLIENTS.flatMap((c) => VERBS.map((v) => `${c}.${v}`)),
    url: (call) => call.args[0] ?? call.kwargs.get('url'),
    body: (call) => [...call.args.slice(1, 2), ...kw(call, 'data', 'json', 'files', 'params', 'content')],
  },
  {
    languages: PY,
    callee: [...PY_CLIENTS.map((c) => `${c}.request`), 'urllib3.PoolManager().request', 'urllib3.request'],
    url: (call) => call.args[1] ?? call.kwargs.get('url'),
    body: (call) => [
      ...call.args.slice(2, 3),
      ...kw(call, 'data', 'json', 'files', 'params', 'content', 'body', 'fields'),
    ],
  },
  {
    languages: PY,
    callee: ['urllib.request.urlopen', 'urllib.request.Request', 'urllib.request.urlretrieve'],
    url: (call) => call.args[0] ?? call.kwargs.get('url'),
    body: (call) => [...call.args.slice(1, 2), ...kw(call, 'data')],
  },
  // JavaScript / TypeScript
  {
    languages: JS,
    callee: ['fetch', 'node-fetch', 'node-fetch.default', 'undici.fetch', 'cross-fetch', 'isomorphic-fetch'],
    url: (call) => call.args[0],
    body: (call, q) => prop(q, call.args[1], 'body'),
  },
  {
    languages: JS,
    callee: ['axios', 'axios.request', 'got', 'ky', 'needle', 'undici.request', 'request'],
    url: (call, q) =>
      isObject(q, call.args[0]) ? (prop(q, call.args[0], 'url', 'uri')[0] ?? undefined) : call.args[0],
    body: (call, q) => {
      const opts = isObject(q, call.args[0]) ? call.args[0] : call.args[1];
      return prop(q, opts, 'data', 'body', 'json', 'form', 'params', 'searchParams');
    },
  },
  {
    languages: JS,
    callee: JS_CLIENTS.flatMap((c) => VERBS.map((v) => `${c}.${v}`)),
    url: (call) => call.args[0],
    body: (call, q) =>
      /\.(post|put|patch)$/.test(call.callee) && !/^got\./.test(call.callee)
        ? call.args.slice(1, 2)
        : prop(q, call.args[1], 'body', 'json', 'form', 'data', 'params', 'searchParams'),
  },
  {
    languages: JS,
    callee: ['http.get', 'http.request', 'https.get', 'https.request'],
    url: (call, q) =>
      isObject(q, call.args[0]) ? (prop(q, call.args[0], 'hostname', 'host')[0] ?? undefined) : call.args[0],
    body: () => [],
  },
  // Go
  {
    languages: GO,
    callee: [
      'net/http.Get',
      'net/http.Head',
      'net/http.Post',
      'net/http.PostForm',
      'net/http.DefaultClient.Get',
      'net/http.DefaultClient.Post',
      'net/http.DefaultClient.Head',
      '*lient.Get',
      '*lient.Post',
      '*lient.Head',
      '*lient.PostForm',
    ],
    url: (call) => call.args[0],
    body: (call) =>
      /PostForm$/.test(call.callee)
        ? call.args.slice(1, 2)
        : /Post$/.test(call.callee)
          ? call.args.slice(2, 3)
          : [],
  },
  {
    languages: GO,
    callee: ['net/http.NewRequest'],
    url: (call) => call.args[1],
    body: (call) => call.args.slice(2, 3),
  },
  {
    languages: GO,
    callee: ['net/http.NewRequestWithContext'],
    url: (call) => call.args[2],
    body: (call) => call.args.slice(3, 4),
  },
];

/** Encoders: a value passed through them stays inside one path segment or query value. */
export const URL_SANITIZERS: readonly SanitizerSpec[] = [
  {
    languages: JS,
    callee: [
      'encodeURIComponent',
      'querystring.escape',
      'querystring.stringify',
      'qs.stringify',
      'URLSearchParams',
    ],
    clears: ['ssrf'],
  },
  {
    languages: PY,
    callee: [
      'urllib.parse.quote',
      'urllib.parse.quote_plus',
      'urllib.parse.urlencode',
      'quote',
      'quote_plus',
      'urlencode',
    ],
    clears: ['ssrf'],
  },
  { languages: GO, callee: ['net/url.PathEscape', 'net/url.QueryEscape', '*.Encode'], clears: ['ssrf'] },
];

const HOST = '(?:hostname|host|origin|netloc)';
const GUARD_SPECS: { languages: readonly Language[]; pattern: RegExp; meaning: 'valid' | 'invalid' }[] = [
  // A variable holding the parsed host: host === 'x', host.endsWith('.x'), allowed.has(host)
  { languages: JS, pattern: /^\s*\w*host\w*\s*===|===\s*\w*host\w*\s*$/i, meaning: 'valid' },
  { languages: JS, pattern: /^\s*\w*host\w*\s*!==|!==\s*\w*host\w*\s*$/i, meaning: 'invalid' },
  { languages: JS, pattern: /^\s*\w*host\w*\.endsWith\(\s*['"`]\./i, meaning: 'valid' },
  { languages: JS, pattern: /\.some\(\s*\(?\w+\)?\s*=>\s*(?:\w+\.)?\w*host\w*\s*===/i, meaning: 'valid' },
  {
    languages: JS,
    pattern: /^\s*(?:[\w.]+|\[[^\]]*\])\.(?:has|includes)\(\s*\w*host\w*\s*\)\s*$/i,
    meaning: 'valid',
  },
  { languages: PY, pattern: /^\s*\w*host\w*\s*==|==\s*\w*host\w*\s*$/i, meaning: 'valid' },
  { languages: PY, pattern: /^\s*\w*host\w*\s*!=|!=\s*\w*host\w*\s*$/i, meaning: 'invalid' },
  { languages: PY, pattern: /^\s*\w*host\w*\.endswith\(\s*[rbf]?['"]\./i, meaning: 'valid' },
  { languages: PY, pattern: /^\s*\w*host\w*\s+in\s+(?:[\w.]+|[[({][^\])}]*[\])}])\s*$/i, meaning: 'valid' },
  { languages: GO, pattern: /^\s*\w*host\w*\s*==|==\s*\w*host\w*\s*$/i, meaning: 'valid' },
  { languages: GO, pattern: /^\s*\w*host\w*\s*!=|!=\s*\w*host\w*\s*$/i, meaning: 'invalid' },
  { languages: GO, pattern: /strings\.HasSuffix\(\s*\w*host\w*\s*,\s*"\./i, meaning: 'valid' },
  { languages: GO, pattern: /slices\.Contains\([^,]+,\s*\w*host\w*\s*\)/i, meaning: 'valid' },
  // JS: ALLOWED.has(u.hostname), ALLOWED_HOSTS.includes(new URL(x).hostname)
  {
    languages: JS,
    pattern: new RegExp(
      String.raw`^\s*(?:[\w.]+|\[[^\]]*\])\.(?:has|includes)\(\s*(?:new\s+)?[\w.()]*\.${HOST}\s*\)\s*$`,
    ),
    meaning: 'valid',
  },
  {
    languages: JS,
    pattern: new RegExp(String.raw`\.${HOST}\s*===|===\s*(?:new\s+)?[\w.()]*\.${HOST}\b`),
    meaning: 'valid',
  },
  {
    languages: JS,
    pattern: new RegExp(String.raw`\.${HOST}\s*!==|!==\s*(?:new\s+)?[\w.()]*\.${HOST}\b`),
    meaning: 'invalid',
  },
  { languages: JS, pattern: new RegExp(String.raw`\.${HOST}\.endsWith\(\s*['"\`]\.`), meaning: 'valid' },
  { languages: JS, pattern: /\.startsWith\(\s*['"`]https?:\/\/[^/'"`]+\/['"`]/, meaning: 'valid' },
  // /^https:\/\/api\.example\.com\//.test(u): anchored, and the host ends at a slash.
  { languages: JS, pattern: /^\s*\/\^https\??:\\\/\\\/(?:[\w-]|\\\.)+(?::\d+)?\\\//, meaning: 'valid' },
  {
    languages: PY,
    pattern: /^\s*re\.(?:match|fullmatch)\(\s*r?['"]\^?https\??:\/\/(?:[\w-]|\\\.)+(?::\d+)?\//,
    meaning: 'valid',
  },
  // JS: private-address checks after DNS resolution (ipaddr.js range(), helpers named isPrivate…)
  {
    languages: JS,
    pattern:
      /^\s*[\w.]+\.some\(.*(?:is)?(?:Private|Internal|Loopback|Reserved|Blocked|Forbidden)\w*\(|^\s*[\w.]+\.some\(.*range\(\)\s*!==?\s*['"`]unicast/i,
    meaning: 'invalid',
  },
  { languages: JS, pattern: /\.range\(\)\s*!==?\s*['"`]unicast['"`]/, meaning: 'invalid' },
  { languages: JS, pattern: /\.range\(\)\s*===?\s*['"`]unicast['"`]/, meaning: 'valid' },
  {
    languages: JS,
    pattern:
      /^\s*(?:[\w.]+\.)?(?:is)?(?:Private|Internal|Loopback|Reserved|Blocked|Forbidden|Disallowed)\w*\(/i,
    meaning: 'invalid',
  },
  // Python
  {
    languages: PY,
    pattern: new RegExp(String.raw`\.${HOST}\s+in\s+(?:[\w.]+|[[({][^\])}]*[\])}])\s*$`),
    meaning: 'valid',
  },
  { languages: PY, pattern: /^\s*\w+\s+in\s+[A-Z_][A-Z0-9_]*\s*$/, meaning: 'valid' },
  {
    languages: PY,
    pattern: new RegExp(String.raw`\.${HOST}\s*==|==\s*[\w.()]*\.${HOST}\b`),
    meaning: 'valid',
  },
  {
    languages: PY,
    pattern: new RegExp(String.raw`\.${HOST}\s*!=|!=\s*[\w.()]*\.${HOST}\b`),
    meaning: 'invalid',
  },
  { languages: PY, pattern: new RegExp(String.raw`\.${HOST}\.endswith\(\s*[rbf]?['"]\.`), meaning: 'valid' },
  { languages: PY, pattern: /\.startswith\(\s*\(?\s*[rbf]?['"]https?:\/\/[^/'"]+\/['"]/, meaning: 'valid' },
  { languages: PY, pattern: /^\s*any\(\s*\w*host\w*\s*==/i, meaning: 'valid' },
  {
    languages: PY,
    pattern:
      /\.is_(?:private|loopback|link_local|reserved|multicast|unspecified)\b|^\s*\w*(?:is_)?(?:private|internal|blocked)\w*\(/i,
    meaning: 'invalid',
  },
  { languages: PY, pattern: /\.is_global\b/, meaning: 'valid' },
  // Go
  { languages: GO, pattern: /^\s*\w+\[\s*[\w.()]+\s*\]\s*$/, meaning: 'valid' },
  {
    languages: GO,
    pattern: /\.(?:Hostname|Host)\(?\)?\s*==|==\s*\w+\.(?:Hostname\(\)|Host)\b/,
    meaning: 'valid',
  },
  {
    languages: GO,
    pattern: /\.(?:Hostname|Host)\(?\)?\s*!=|!=\s*\w+\.(?:Hostname\(\)|Host)\b/,
    meaning: 'invalid',
  },
  { languages: GO, pattern: /slices\.Contains\([^)]*\.(?:Hostname\(\)|Host)\s*\)/, meaning: 'valid' },
  { languages: GO, pattern: /strings\.HasSuffix\([^,]*\.(?:Hostname\(\)|Host)\s*,\s*"\./, meaning: 'valid' },
  { languages: GO, pattern: /strings\.HasPrefix\([^,]+,\s*"https?:\/\/[^/"]+\/"/, meaning: 'valid' },
  {
    languages: GO,
    pattern:
      /\.Is(?:Private|Loopback|LinkLocalUnicast|LinkLocalMulticast|Unspecified|Multicast)\(\)|^\s*\w*(?:is)?(?:Private|Internal|Blocked)\w*\(/i,
    meaning: 'invalid',
  },
  { languages: GO, pattern: /\.IsGlobalUnicast\(\)/, meaning: 'valid' },
];

export const URL_GUARDS: readonly GuardSpec[] = GUARD_SPECS.map((g) => ({
  ...g,
  clears: ['ssrf'],
  derived: true,
}));

/** Some attempt at restricting the URL (correct or not): the C003 side of the C001/C003 split. */
export const URL_CHECK =
  /\.(?:includes|startsWith|endsWith|indexOf|test|match|search)\(|\.(?:startswith|endswith|find)\(|re\.(?:match|search|fullmatch)\(|['"][\w.-]+\.[a-z]{2,}[^'"]*['"]\s+(?:not\s+)?in\s+\w+|strings\.(?:HasPrefix|HasSuffix|Contains)\(|MatchString\(|\.(?:hostname|netloc|Hostname\(\)|origin|protocol|scheme)\b/;

/** Cloud metadata and link-local addresses: credentials live there. */
export const METADATA_HOST =
  /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^/@]*@)?(?:169\.254\.169\.254|\[?fd00:ec2::254\]?|metadata\.google\.internal|metadata\.goog|100\.100\.100\.200|169\.254\.170\.2|metadata\.azure\.com|192\.0\.0\.192)(?:[:/]|$)/i;

const FUNCTION_TYPES = new Set([
  'function_definition',
  'lambda',
  'function_declaration',
  'generator_function_declaration',
  'function_expression',
  'function',
  'arrow_function',
  'method_definition',
  'func_literal',
  'method_declaration',
]);

export function textBefore(node: SyntaxNode): string {
  let fn: SyntaxNode | null = node.parent;
  while (fn && !FUNCTION_TYPES.has(fn.type)) fn = fn.parent;
  if (!fn) return '';
  const end = node.startIndex - fn.startIndex;
  return fn.text.slice(Math.max(0, end - 8000), end);
}

export interface UrlPrefix {
  text: string;
  /** The whole URL is constant. */
  whole: boolean;
}

/** The constant text at the start of a URL expression (literal, constant, template, f-string, concatenation, Sprintf). */
export function constantPrefix(node: SyntaxNode | undefined, q: NodeQuery, depth = 0): UrlPrefix | null {
  if (!node || depth > 4) return null;
  const whole = q.stringValue(node);
  if (whole !== null) return { text: whole, whole: true };
  const n = q.resolve(node);
  if (n.type === 'parenthesized_expression' && n.namedChildren[0])
    return constantPrefix(n.namedChildren[0], q, depth + 1);
  if (
    n.type === 'template_string' ||
    (n.type === 'string' && n.namedChildren.some((c) => c.type === 'interpolation'))
  ) {
    let text = '';
    for (const c of n.namedChildren) {
      if (c.type === 'template_substitution' || c.type === 'interpolation') {
        const inner = c.namedChildren[0];
        const v = inner ? constantPrefix(inner, q, depth + 1) : null;
        if (!v) return { text, whole: false };
        text += v.text;
        if (!v.whole) return { text, whole: false };
      } else if (c.type !== 'string_start' && c.type !== 'string_end') {
        text += c.text;
      }
    }
    return { text, whole: true };
  }
  const left = n.childForFieldName('left');
  const right = n.childForFieldName('right');
  if ((n.type === 'binary_expression' || n.type === 'binary_operator') && left && right) {
    const head = constantPrefix(left, q, depth + 1);
    if (!head) return null;
    if (!head.whole) return head;
    const tail = constantPrefix(right, q, depth + 1);
    return tail ? { text: head.text + tail.text, whole: tail.whole } : { text: head.text, whole: false };
  }
  if (n.type === 'call_expression' && /(^|\.)Sprintf$/.test(n.childForFieldName('function')?.text ?? '')) {
    const args = n.childForFieldName('arguments')?.namedChildren ?? [];
    const fmt = args[0] ? q.stringValue(args[0]) : null;
    if (fmt === null) return null;
    const pieces = fmt.split(/%[-+# 0-9.]*[a-zA-Z]/);
    let text = pieces[0] ?? '';
    for (let i = 1; i < pieces.length; i++) {
      const arg = args[i];
      const v = arg ? q.stringValue(arg) : null;
      if (v === null) return { text, whole: false };
      text += v + (pieces[i] ?? '');
    }
    return { text, whole: true };
  }
  return null;
}

/** The host a URL prefix fixes, or null when the prefix does not fix one. */
export function fixedHost(prefix: UrlPrefix | null): string | null {
  if (!prefix) return null;
  const m = /^(?:https?|wss?):\/\/([^/?#]*)([/?#])?/i.exec(prefix.text);
  if (!m) return null;
  if (!m[2] && !prefix.whole) return null;
  return (m[1] ?? '')
    .replace(/^[^@]*@/, '')
    .replace(/:\d+$/, '')
    .toLowerCase();
}

const INTERNAL_HOST =
  /^(?:localhost|127\.|0\.0\.0\.0|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|\[?::1\]?$|host\.docker\.internal|[\w-]+$)/;

/** An http(s) URL whose host is fixed by the code and is not loopback, private or a bare name. */
export function isExternalConstantUrl(prefix: UrlPrefix | null): boolean {
  const host = fixedHost(prefix);
  return host !== null && host !== '' && !INTERNAL_HOST.test(host);
}

type UrlPart = string | SyntaxNode;

/** A URL expression as literal text and value nodes in order, or null when it has no visible structure. */
export function urlParts(node: SyntaxNode, q: NodeQuery, depth = 0): UrlPart[] | null {
  if (depth > 4) return null;
  const s = q.stringValue(node);
  if (s !== null) return [s];
  const n = q.resolve(node);
  if (n.type === 'parenthesized_expression' && n.namedChildren[0])
    return urlParts(n.namedChildren[0], q, depth + 1);
  if (
    n.type === 'template_string' ||
    (n.type === 'string' && n.namedChildren.some((c) => c.type === 'interpolation'))
  ) {
    const out: UrlPart[] = [];
    for (const c of n.namedChildren) {
      if (c.type === 'template_substitution' || c.type === 'interpolation') {
        const inner = c.namedChildren[0];
        if (inner) out.push(...(urlParts(inner, q, depth + 1) ?? [inner]));
      } else if (c.type !== 'string_start' && c.type !== 'string_end') {
        out.push(c.text);
      }
    }
    return out;
  }
  const left = n.childForFieldName('left');
  const right = n.childForFieldName('right');
  if ((n.type === 'binary_expression' || n.type === 'binary_operator') && left && right) {
    const op = n.childForFieldName('operator')?.text ?? n.children.find((c) => !c.isNamed)?.text;
    if (op !== '+') return null;
    return [...(urlParts(left, q, depth + 1) ?? [left]), ...(urlParts(right, q, depth + 1) ?? [right])];
  }
  if (n.type === 'call_expression' && /(^|\.)Sprintf$/.test(n.childForFieldName('function')?.text ?? '')) {
    const args = n.childForFieldName('arguments')?.namedChildren ?? [];
    const fmt = args[0] ? q.stringValue(args[0]) : null;
    if (fmt === null) return null;
    const pieces = fmt.split(/%[-+# 0-9.]*[a-zA-Z]/);
    const out: UrlPart[] = [pieces[0] ?? ''];
    for (let i = 1; i < pieces.length; i++) {
      const arg = args[i];
      if (arg) out.push(...(urlParts(arg, q, depth + 1) ?? [arg]));
      out.push(pieces[i] ?? '');
    }
    return out;
  }
  return null;
}

/**
 * The value nodes that decide the scheme and host of a URL: `${base}/items/${id}` → [base],
 * `https://${host}/x` → [host], `"https://api.example.com" + p` → [p]. The whole URL when unknown.
 */
export function authorityNodes(url: SyntaxNode, q: NodeQuery): SyntaxNode[] {
  // new URL(`/items/${id}`, BASE): a path that starts with one slash keeps BASE's scheme and host.
  const resolved = q.resolve(url);
  if (
    resolved.type === 'new_expression' &&
    /^URL$/.test(resolved.childForFieldName('constructor')?.text ?? '')
  ) {
    const [rel, base] = resolved.childForFieldName('arguments')?.namedChildren ?? [];
    const head = rel ? urlParts(rel, q)?.[0] : undefined;
    if (base && typeof head === 'string' && /^\/(?!\/)/.test(head)) return authorityNodes(base, q);
    return [url];
  }
  // urljoin(BASE, "/items/" + id): the same for Python.
  if (resolved.type === 'call' && /(^|\.)urljoin$/.test(resolved.childForFieldName('function')?.text ?? '')) {
    const [base, rel] = resolved.childForFieldName('arguments')?.namedChildren ?? [];
    const head = rel ? urlParts(rel, q)?.[0] : undefined;
    if (base && typeof head === 'string' && /^\/(?!\/)/.test(head)) return authorityNodes(base, q);
    return [url];
  }
  const parts = urlParts(url, q);
  if (!parts) return [url];
  // "/repos/{owner}" on a client created with base_url: a relative path cannot change the host.
  if (typeof parts[0] === 'string' && /^\/(?!\/)/.test(parts[0])) return [];
  const picked: SyntaxNode[] = [];
  let text = '';
  for (const p of parts) {
    if (typeof p !== 'string') {
      picked.push(p);
      text += '\u0000';
      continue;
    }
    text += p;
    // Closed: scheme://host followed by / ? #, or a leading value (a base URL) followed by one of them.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: \u0000 marks a value that is not a literal
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*[/?#]/i.test(text) || /^\u0000[^/?#]*[/?#]/.test(text)) return picked;
  }
  return picked;
}
