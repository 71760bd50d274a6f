/** What the surface extractors hand to the taint engine: the functions whose inputs are attacker data. */
import type { SyntaxNode } from 'tree-sitter';
import type { SourceKind } from '../detectors/api.js';
import type { FileContext } from '../taint/file-context.js';
import type { Location, McpAuthSignal, McpTool, McpTransport } from '../types.js';

export interface EntryPoint {
  file: FileContext;
  /** The handler itself, or null when only its name is known (resolved by the engine). */
  fn: SyntaxNode | null;
  handlerName?: string;
  kind: SourceKind;
  /** '*' when one handler serves every tool (low-level SDKs): the name is read from `case "x":`. */
  tool?: string;
  /** Parameter positions that carry attacker data; others (ctx, res, w) are not sources. */
  taintedParams: number[];
  /** Bound names validated by the SDK as non-strings (destructured zod numbers, int hints). */
  cleanNames: string[];
  /** Fields of an arguments object validated as non-strings. */
  safeFields: string[];
  /** Bound names validated by a pattern that rules out some sink kinds only (see metacharFreeKinds). */
  sanitizedNames?: Record<string, string[]>;
}

export interface FileSurface {
  tools: McpTool[];
  transports: McpTransport[];
  auth: McpAuthSignal[];
  entries: EntryPoint[];
}

export function emptyFileSurface(): FileSurface {
  return { tools: [], transports: [], auth: [], entries: [] };
}

export function locationOf(file: FileContext, node: SyntaxNode): Location {
  return {
    file: file.path,
    startLine: node.startPosition.row + 1,
    startColumn: node.startPosition.column + 1,
    endLine: node.endPosition.row + 1,
    endColumn: node.endPosition.column + 1,
  };
}

/** Param types that the SDK validates into something that cannot carry an injection payload. */
export function isNonStringType(type: string): boolean {
  return ['number', 'integer', 'boolean', 'enum'].includes(type);
}

const NARROW_FORMATS = /^(uuid|ip|ipv4|ipv6|cuid|cuid2|ulid|datetime|date|time|base64|nanoid)$/;

/** The body of a fully anchored pattern, or null. */
function anchoredBody(pattern: string | undefined): string | null {
  if (!pattern?.startsWith('^') || !pattern.endsWith('$')) return null;
  return pattern.slice(1, -1);
}

/**
 * A string the SDK validated against a narrow format (uuid, ip, date) or an anchored pattern of
 * letters, digits and underscores only: it cannot carry any injection payload.
 */
export function isSafePattern(pattern: string | undefined): boolean {
  if (pattern && NARROW_FORMATS.test(pattern)) return true;
  const body = anchoredBody(pattern);
  return body !== null && /^(\[(\\w|\\d|a-z|A-Z|0-9|_)+\]|\\w|\\d|[+*?]|\{\d+(,\d*)?\})*$/.test(body);
}

/**
 * An anchored pattern that also allows dots and dashes (`^[\w.-]+$`): no quotes, spaces or shell,
 * code, template or SQL metacharacters, but still a leading dash (options) or `..` (paths).
 */
export function metacharFreeKinds(pattern: string | undefined): string[] {
  const body = anchoredBody(pattern);
  if (body === null || isSafePattern(pattern)) return [];
  return /^(\[(\\w|\\d|a-z|A-Z|0-9|_|\.|\\\.|-|\\-)+\]|\\w|\\d|[+*?]|\{\d+(,\d*)?\}|\\\.)*$/.test(body)
    ? ['code', 'shell', 'sql', 'template']
    : [];
}

export function isValidatedParam(p: { type: string; pattern?: string }): boolean {
  return isNonStringType(p.type) || isSafePattern(p.pattern);
}

/** Finds the tool a low-level handler is dealing with at `node`: `case "x":` or `if name == "x"`. */
export function toolNameAt(node: SyntaxNode, stop: SyntaxNode | null): string | undefined {
  let prev: SyntaxNode = node;
  for (let n = node.parent; n && n.id !== stop?.id; prev = n, n = n.parent) {
    if (n.type === 'switch_case' || n.type === 'expression_case' || n.type === 'case_clause') {
      const value = n.childForFieldName('value') ?? n.namedChildren[0];
      const m = value ? /^["'`]([^"'`]+)["'`]$/.exec(value.text.trim()) : null;
      if (m?.[1]) return m[1];
      const pattern = n.namedChildren.find((c) => c.type === 'case_pattern');
      const pm = pattern ? /^["']([^"']+)["']$/.exec(pattern.text.trim()) : null;
      if (pm?.[1]) return pm[1];
    }
    if (n.type === 'if_statement' || n.type === 'elif_clause') {
      const consequence = n.childForFieldName('consequence');
      if (consequence && consequence.id === prev.id) {
        const cond = n.childForFieldName('condition')?.text ?? '';
        const m = /\b(?:name|tool|toolName|tool_name)\s*(?:===|==)\s*["'`]([^"'`]+)["'`]/.exec(cond);
        if (m?.[1]) return m[1];
      }
    }
  }
  return undefined;
}

const TOP_LEVEL_WRAPPERS = new Set([
  'export_statement',
  'lexical_declaration',
  'variable_declaration',
  'expression_statement',
]);

/**
 * Module-level `const NAME = value` bindings (JS/TS, Python, Go), so a tool registered as
 * `server.registerTool(name, config, handler)` with constants declared above is still read.
 */
export function moduleConstants(file: FileContext): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  const types = ['variable_declarator', 'assignment', 'const_spec', 'var_spec'];
  for (const node of file.root.descendantsOfType(types)) {
    let p = node.parent;
    while (p && TOP_LEVEL_WRAPPERS.has(p.type)) p = p.parent;
    const topLevel =
      p?.type === 'program' ||
      p?.type === 'module' ||
      p?.type === 'source_file' ||
      ((p?.type === 'const_declaration' || p?.type === 'var_declaration') &&
        p.parent?.type === 'source_file');
    if (!topLevel) continue;
    const asg = file.adapter.assignment(node);
    const target = asg?.targets[0];
    if (asg?.value && target && file.adapter.isIdentifier(target) && !out.has(target.text))
      out.set(target.text, asg.value);
  }
  return out;
}

/** Follows identifiers through module constants (a few hops). */
export function resolveConstant(
  consts: Map<string, SyntaxNode>,
  node: SyntaxNode | undefined | null,
): SyntaxNode | null {
  let n = node ?? null;
  for (let i = 0; i < 3 && n && consts.has(n.text) && /^[A-Za-z_$][\w$]*$/.test(n.text); i++) {
    n = consts.get(n.text) ?? n;
  }
  return n;
}
