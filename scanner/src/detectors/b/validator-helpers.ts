/**
 * Validation done by a boolean helper of the project: `if not is_safe_path(p): raise`,
 * `if (!isAllowedUrl(u)) throw`. The engine's guards only see the condition text, so the class B
 * and C sinks look the helper up in the same file and judge its body.
 */
import type { SyntaxNode } from 'tree-sitter';

const FUNCTION_TYPES = [
  'function_definition',
  'function_declaration',
  'generator_function_declaration',
  'method_definition',
  'method_declaration',
  'arrow_function',
  'function_expression',
  'function',
];

function fileRoot(node: SyntaxNode): SyntaxNode {
  let root = node;
  while (root.parent) root = root.parent;
  return root;
}

function nameOf(fn: SyntaxNode): string | null {
  const own = fn.childForFieldName('name');
  if (own) return own.text;
  const decl = fn.parent;
  if (decl?.type === 'variable_declarator') return decl.childForFieldName('name')?.text ?? null;
  if (decl?.type === 'pair') return decl.childForFieldName('key')?.text ?? null;
  return null;
}

const functionsCache = new WeakMap<object, Map<string, SyntaxNode[]>>();

/** The file's named functions, computed once per parsed tree. */
function functionsByName(node: SyntaxNode): Map<string, SyntaxNode[]> {
  const cached = functionsCache.get(node.tree);
  if (cached) return cached;
  const map = new Map<string, SyntaxNode[]>();
  for (const fn of fileRoot(node).descendantsOfType(FUNCTION_TYPES)) {
    const name = nameOf(fn);
    if (name) map.set(name, [...(map.get(name) ?? []), fn]);
  }
  functionsCache.set(node.tree, map);
  return map;
}

/** Names of functions called in `if` conditions in `before` (the text of the enclosing function before a sink). */
function conditionCallees(full: string): string[] {
  // Bounded: these scans run for every sink, and functions can be long.
  const before = full.length > 6000 ? full.slice(-6000) : full;
  const out = new Set<string>();
  const re = /\bif\s*\(?\s*(?:!|not\s+)?\(?\s*(?:await\s+)?(?:self\.|this\.)?([A-Za-z_]\w*)\(/g;
  for (let m = re.exec(before); m; m = re.exec(before)) if (m[1]) out.add(m[1]);
  // `ok := isSafe(p); if !ok`, `const ok = await isAllowed(u); if (!ok)`
  const assigned =
    /\b(\w+)\s*:?=\s*(?:await\s+)?(?:self\.|this\.)?([A-Za-z_]\w*)\([^\n]*\n[\s\S]{0,1500}?\bif\s*\(?\s*(?:!|not\s+)\(?\s*\1\b/g;
  for (let m = assigned.exec(before); m; m = assigned.exec(before)) if (m[2]) out.add(m[2]);
  return [...out];
}

/**
 * True when a helper called in a condition before `sink` has a body matching `correct`, or, for a
 * helper defined in another file (imported), when its name says it is that kind of check.
 */
export function validatedByHelper(
  sink: SyntaxNode,
  before: string,
  correct: (body: string) => boolean,
  trustedName?: RegExp,
): boolean {
  const names = conditionCallees(before);
  if (names.length === 0) return false;
  const byName = functionsByName(sink);
  const defined = new Set<string>();
  for (const name of names) {
    for (const fn of byName.get(name) ?? []) {
      defined.add(name);
      if (correct(fn.text)) return true;
    }
  }
  return !!trustedName && names.some((n) => !defined.has(n) && trustedName.test(n));
}

/** Names of imported validators that keep a path inside a root (not mere syntax checks like isValidPath). */
export const PATH_VALIDATOR_NAME =
  /^(?:is|check|ensure|assert|verify)_?\w*(?:within|inside|contained|allowed|safe|subpath|under)\w*$/i;
/** Names of imported validators that check a URL's host (not mere syntax checks like isValidUrl). */
export const URL_VALIDATOR_NAME =
  /^(?:is|check|ensure|assert|verify)_?\w*(?:allowed|allowlist|whitelist|safe|public|trusted|permitted)\w*$/i;

const CANONICAL = /realpath|\.resolve\(\)|EvalSymlinks|filepath\.(?:Rel|IsLocal|Join|Clean|Abs)\(|securejoin/;
const CONTAINED =
  /commonpath\(|is_relative_to\(|\bin\s+[\w.()]+\.parents\b|\.relative_to\(|startswith\([^)]*(?:os\.sep|os\.path\.sep|['"]\/['"])|startsWith\([^)]*(?:path\.sep|\bsep\b|['"`]\/['"`])|path\.relative\([\s\S]*['"`]\.\.['"`]|filepath\.Rel\([\s\S]*"\.\."|filepath\.IsLocal\(|HasPrefix\([^)]*Separator/;

/** A helper body that canonicalises a path and checks it with a separator-aware test. */
export function containsPathCheck(body: string): boolean {
  return CANONICAL.test(body) && CONTAINED.test(body);
}

const HOST_COMPARE =
  /\.(?:hostname|netloc|host|origin)\s*(?:===?|!==?|\s+(?:not\s+)?in\b)|\.(?:has|includes)\(\s*(?:new\s+)?[\w.()]*\.(?:hostname|host|origin)\b|Hostname\(\)\s*(?:==|!=)|\[\s*\w+\.Hostname\(\)\s*\]|\bhost\w*\s+(?:not\s+)?in\s+[A-Z_{([]|\.is_private\b|\.is_global\b|IsPrivate\(\)|\.range\(\)/;

/** A helper body that parses the URL and compares its host (or refuses private addresses). */
export function checksUrlHost(body: string): boolean {
  return HOST_COMPARE.test(body);
}
