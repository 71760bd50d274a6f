/** MCP surface of Python servers: FastMCP `@mcp.tool()`, the low-level `Server`, FastAPI routes. */
import type { SyntaxNode } from 'tree-sitter';
import { rawPath } from '../taint/callee.js';
import type { FileContext } from '../taint/file-context.js';
import type { ToolParameter } from '../types.js';
import {
  emptyFileSurface,
  type FileSurface,
  isValidatedParam,
  locationOf,
  metacharFreeKinds,
} from './entries.js';

const CONTEXT_TYPES = /^(Context|RequestContext|ServerSession|Request)\b|\bContext\b/;

function hintType(hint: string | null): { type: string; enum?: string[]; optional: boolean } {
  if (!hint) return { type: 'unknown', optional: false };
  const optional = /^Optional\[|\|\s*None\b|None\s*\|/.test(hint);
  const base = hint
    .replace(/^Optional\[(.*)\]$/, '$1')
    .replace(/\s*\|\s*None\b/, '')
    .replace(/^Annotated\[([^,]+),.*$/, '$1')
    .trim();
  if (/^(int)$/.test(base)) return { type: 'integer', optional };
  if (/^(float|Decimal)$/.test(base)) return { type: 'number', optional };
  if (/^bool$/.test(base)) return { type: 'boolean', optional };
  if (/^(str|AnyUrl|Path)$/.test(base)) return { type: 'string', optional };
  if (/^Literal\[/.test(base)) {
    return {
      type: 'enum',
      enum: [...base.matchAll(/['"]([^'"]*)['"]/g)].map((m) => m[1] as string),
      optional,
    };
  }
  if (/^(list|List|tuple|set|Sequence)\b/.test(base)) return { type: 'array', optional };
  if (/^(dict|Dict|Mapping)\b/.test(base)) return { type: 'object', optional };
  return { type: 'object', optional };
}

function docstring(fn: SyntaxNode, file: FileContext): string | undefined {
  const first = fn.childForFieldName('body')?.namedChildren[0];
  const str = first?.type === 'expression_statement' ? first.namedChildren[0] : undefined;
  const value = str ? file.adapter.stringValue(str) : null;
  return value === null ? undefined : value.trim();
}

function kwString(call: SyntaxNode | null, key: string, file: FileContext): string | undefined {
  if (!call) return undefined;
  const v = file.adapter.property(call, key);
  const s = v ? file.adapter.stringValue(v) : null;
  return s ?? undefined;
}

function jsonSchemaParams(schema: SyntaxNode | null, file: FileContext): ToolParameter[] {
  if (!schema) return [];
  const props = file.adapter.property(schema, 'properties');
  const required = new Set(
    (file.adapter.elements(file.adapter.property(schema, 'required') ?? schema) ?? []).map(
      (e) => file.adapter.stringValue(e) ?? '',
    ),
  );
  const out: ToolParameter[] = [];
  for (const pair of props?.namedChildren ?? []) {
    if (pair.type !== 'pair') continue;
    const key = pair.childForFieldName('key');
    const value = pair.childForFieldName('value');
    const name = key ? file.adapter.stringValue(key) : null;
    if (!name || !value) continue;
    const t = file.adapter.property(value, 'type');
    const d = file.adapter.property(value, 'description');
    const p: ToolParameter = {
      name,
      type: file.adapter.property(value, 'enum') ? 'enum' : ((t && file.adapter.stringValue(t)) ?? 'unknown'),
      required: required.has(name),
    };
    const desc = d ? file.adapter.stringValue(d) : null;
    if (desc !== null) p.description = desc;
    out.push(p);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function sanitizedNames(params: ToolParameter[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of params) {
    const kinds = metacharFreeKinds(p.pattern);
    if (kinds.length > 0) out[p.name] = kinds;
  }
  return out;
}

export function extractPythonSurface(file: FileContext): FileSurface {
  const surface = emptyFileSurface();
  const { adapter } = file;
  let callTool: SyntaxNode | null = null;
  for (const dec of file.root.descendantsOfType('decorated_definition')) {
    const fn = dec.childForFieldName('definition');
    if (fn?.type !== 'function_definition') continue;
    for (const d of dec.namedChildren.filter((c) => c.type === 'decorator')) {
      const expr = d.namedChildren[0];
      if (!expr) continue;
      const call = expr.type === 'call' ? expr : null;
      const path = rawPath(call ? (call.childForFieldName('function') as SyntaxNode) : expr, adapter);
      const method = path.split('.').pop() ?? '';
      if (method === 'tool' && path.includes('.')) {
        const params: ToolParameter[] = [];
        const clean: string[] = [];
        const tainted: number[] = [];
        for (const p of adapter.functionParams(fn)) {
          if (!p.name || p.name === 'self' || p.name === 'ctx' || CONTEXT_TYPES.test(p.typeText ?? ''))
            continue;
          const hint = hintType(p.typeText);
          const hasDefault = p.node.type.includes('default');
          const param: ToolParameter = {
            name: p.name,
            type: hint.type,
            required: !hasDefault && !hint.optional,
          };
          if (hint.enum) param.enum = hint.enum;
          // pydantic validates `Annotated[str, Field(pattern=r"^[a-z]+$")]` and `constr(pattern=...)`.
          const pattern = /\b(?:pattern|regex)\s*=\s*r?(['"])(.*?)\1/.exec(p.typeText ?? '')?.[2];
          if (pattern) param.pattern = pattern;
          params.push(param);
          tainted.push(p.index);
          if (isValidatedParam(param)) clean.push(p.name);
        }
        // `@mcp.tool("name")` (positional) and `@mcp.tool(name="name")` both rename the tool.
        const positional = call?.childForFieldName('arguments')?.namedChildren[0];
        const positionalName = positional ? adapter.stringValue(positional) : null;
        const name = kwString(call, 'name', file) ?? positionalName ?? adapter.functionName(fn) ?? '?';
        const description = kwString(call, 'description', file) ?? docstring(fn, file);
        surface.tools.push({
          name,
          ...(description !== undefined ? { description } : {}),
          parameters: params.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
          sdk: 'fastmcp',
          location: locationOf(file, dec),
          handler: { name: adapter.functionName(fn) ?? '?', location: locationOf(file, fn) },
        });
        surface.entries.push({
          file,
          fn,
          kind: 'tool-param',
          tool: name,
          taintedParams: tainted,
          cleanNames: clean,
          safeFields: [],
          sanitizedNames: sanitizedNames(params),
        });
      } else if ((method === 'resource' || method === 'prompt') && path.includes('.') && call) {
        // Resource-template variables and prompt arguments are client input too.
        const tainted = adapter
          .functionParams(fn)
          .filter((p) => p.name && p.name !== 'ctx' && !CONTEXT_TYPES.test(p.typeText ?? ''))
          .map((p) => p.index);
        surface.entries.push({
          file,
          fn,
          kind: 'tool-param',
          taintedParams: tainted,
          cleanNames: [],
          safeFields: [],
        });
      } else if (method === 'call_tool') {
        callTool = fn;
        surface.entries.push({
          file,
          fn,
          kind: 'tool-param',
          tool: '*',
          taintedParams: [1],
          cleanNames: [],
          safeFields: [],
        });
      } else if (/^(get|post|put|delete|patch|route|api_route)$/.test(method) && call) {
        const tainted = adapter.functionParams(fn).map((p) => p.index);
        surface.entries.push({
          file,
          fn,
          kind: 'http-request',
          taintedParams: tainted,
          cleanNames: [],
          safeFields: [],
        });
      }
    }
  }
  for (const node of file.root.descendantsOfType('call')) {
    const call = adapter.call(node);
    if (!call) continue;
    const path = rawPath(call.calleeNode, adapter);
    const last = path.split('.').pop() ?? '';
    if (last === 'Tool' && call.kwargs.has('name') && call.kwargs.has('inputSchema')) {
      const name = kwString(node, 'name', file) ?? '?';
      const description = kwString(node, 'description', file);
      surface.tools.push({
        name,
        ...(description !== undefined ? { description } : {}),
        parameters: jsonSchemaParams(call.kwargs.get('inputSchema') ?? null, file),
        sdk: 'python-low-level',
        location: locationOf(file, node),
        ...(callTool
          ? { handler: { name: adapter.functionName(callTool) ?? '?', location: locationOf(file, callTool) } }
          : {}),
      });
    } else if (last === 'add_tool' && call.args[0] && adapter.isIdentifier(call.args[0])) {
      // mcp.add_tool(fn, name=...): the function is the handler; every parameter is client input.
      const fnName = call.args[0].text;
      const name = kwString(node, 'name', file) ?? fnName;
      const description = kwString(node, 'description', file);
      surface.tools.push({
        name,
        ...(description !== undefined ? { description } : {}),
        parameters: [],
        sdk: 'fastmcp',
        location: locationOf(file, node),
        handler: { name: fnName, location: locationOf(file, call.args[0]) },
      });
      surface.entries.push({
        file,
        fn: null,
        handlerName: fnName,
        kind: 'tool-param',
        tool: name,
        taintedParams: [0, 1, 2, 3, 4, 5, 6, 7],
        cleanNames: [],
        safeFields: [],
      });
    } else if (last === 'run' && /FastMCP|mcp/i.test(path)) {
      const t =
        kwString(node, 'transport', file) ??
        (call.args[0] ? adapter.stringValue(call.args[0]) : null) ??
        'stdio';
      const kind = t === 'sse' ? 'sse' : t === 'streamable-http' ? 'streamable-http' : 'stdio';
      surface.transports.push({ kind, detail: `${path}(transport=${t})`, location: locationOf(file, node) });
    } else if (last === 'stdio_server') {
      surface.transports.push({ kind: 'stdio', detail: path, location: locationOf(file, node) });
    } else if (last === 'SseServerTransport' || last === 'sse_app') {
      surface.transports.push({ kind: 'sse', detail: path, location: locationOf(file, node) });
    } else if (last === 'StreamableHTTPSessionManager' || last === 'streamable_http_app') {
      surface.transports.push({ kind: 'streamable-http', detail: path, location: locationOf(file, node) });
    } else if (
      /TokenVerifier|AuthSettings|OAuth|BearerAuth/.test(last) ||
      call.kwargs.has('token_verifier')
    ) {
      surface.auth.push({
        kind: /OAuth/.test(last) ? 'oauth' : 'bearer',
        detail: path,
        location: locationOf(file, node),
      });
    }
  }
  for (const s of file.root.descendantsOfType('string')) {
    if (/^(['"])(authorization|x-api-key)\1$/i.test(s.text)) {
      surface.auth.push({
        kind: /api-key/i.test(s.text) ? 'api-key' : 'header-check',
        detail: s.text,
        location: locationOf(file, s),
      });
    }
  }
  return surface;
}
