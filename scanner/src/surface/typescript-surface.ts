/** MCP surface of TS/JS servers built on @modelcontextprotocol/sdk, plus express/node:http entries. */
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
  moduleConstants,
  resolveConstant,
} from './entries.js';

const HTTP_METHODS = new Set(['get', 'post', 'put', 'delete', 'patch', 'all', 'use', 'options', 'head']);

function zodParam(name: string, value: SyntaxNode, file: FileContext): ToolParameter {
  const text = value.text;
  let type = 'unknown';
  const m =
    /\bz\s*\.\s*(?:coerce\s*\.\s*)?(string|number|bigint|boolean|enum|nativeEnum|literal|array|object|record|any|unknown|union|url)\b/.exec(
      text,
    );
  if (m) {
    const kind = m[1] as string;
    type =
      kind === 'bigint'
        ? 'integer'
        : kind === 'nativeEnum' || kind === 'literal'
          ? 'enum'
          : kind === 'record'
            ? 'object'
            : kind === 'url'
              ? 'string'
              : kind;
    if (kind === 'number' && /\.int\(\)/.test(text)) type = 'integer';
  } else {
    const t = file.adapter.property(value, 'type');
    const tv = t ? file.adapter.stringValue(t) : null;
    if (tv) type = file.adapter.property(value, 'enum') ? 'enum' : tv;
  }
  const desc =
    /\.describe\(\s*(['"`])([\s\S]*?)\1\s*\)/.exec(text)?.[2] ??
    (() => {
      const d = file.adapter.property(value, 'description');
      return d ? (file.adapter.stringValue(d) ?? undefined) : undefined;
    })();
  const enumMatch = /z\s*\.\s*enum\(\s*\[([^\]]*)\]/.exec(text);
  const param: ToolParameter = {
    name,
    type,
    required: !/\.optional\(\)|\.default\(|\.nullish\(\)/.test(text),
  };
  if (desc !== undefined) param.description = desc;
  const regex = /\.regex\(\s*\/((?:\\\/|[^/])*)\/[a-z]*\s*[,)]/.exec(text)?.[1];
  const format = /\.(uuid|ip|ipv4|ipv6|cuid|cuid2|ulid|datetime|date|time|base64|nanoid)\(/.exec(text)?.[1];
  if (regex ?? format) param.pattern = (regex ?? format) as string;
  if (enumMatch?.[1])
    param.enum = [...enumMatch[1].matchAll(/['"`]([^'"`]*)['"`]/g)].map((x) => x[1] as string);
  return param;
}

function schemaParams(schema: SyntaxNode | null, file: FileContext): ToolParameter[] {
  if (!schema) return [];
  let obj = schema;
  // z.object({...}) and JSON Schema {type: 'object', properties: {...}} are both accepted.
  const call = file.adapter.call(obj);
  if (call?.args[0]) obj = call.args[0];
  const props = file.adapter.property(obj, 'properties');
  const required = new Set(
    (file.adapter.elements(file.adapter.property(obj, 'required') ?? obj) ?? []).map(
      (e) => file.adapter.stringValue(e) ?? '',
    ),
  );
  const source = props ?? obj;
  if (source.type !== 'object') return [];
  const out: ToolParameter[] = [];
  for (const pair of source.namedChildren) {
    if (pair.type !== 'pair') continue;
    const key = pair.childForFieldName('key');
    const value = pair.childForFieldName('value');
    if (!key || !value) continue;
    const name = file.adapter.stringValue(key) ?? key.text;
    const p = zodParam(name, value, file);
    if (props) p.required = required.has(name);
    out.push(p);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `this.handle.bind(this)` → `this.handle`. */
function unbind(node: SyntaxNode, file: FileContext): SyntaxNode {
  const call = file.adapter.call(node);
  const member = call ? file.adapter.member(call.calleeNode) : null;
  return member?.property === 'bind' ? member.object : node;
}

function handlerEntry(
  surface: FileSurface,
  file: FileContext,
  handlerArg: SyntaxNode,
  tool: string,
  params: ToolParameter[],
) {
  const safe = params.filter(isValidatedParam).map((p) => p.name);
  const handler = unbind(handlerArg, file);
  const isFn = file.adapter.functionTypes.has(handler.type);
  surface.entries.push({
    file,
    fn: isFn ? handler : null,
    ...(isFn ? {} : { handlerName: handler.text.split('.').pop() ?? handler.text }),
    kind: 'tool-param',
    tool,
    taintedParams: [0],
    cleanNames: safe,
    safeFields: safe,
    sanitizedNames: Object.fromEntries(
      params
        .map((p) => [p.name, metacharFreeKinds(p.pattern)] as const)
        .filter(([, kinds]) => kinds.length > 0),
    ),
  });
}

export function extractTypeScriptSurface(file: FileContext): FileSurface {
  const surface = emptyFileSurface();
  const { adapter } = file;
  const calls = file.root.descendantsOfType(['call_expression', 'new_expression']);
  const consts = moduleConstants(file);
  let callToolHandler: SyntaxNode | null = null;
  for (const node of calls) {
    const call = adapter.call(node);
    if (!call) continue;
    const path = rawPath(call.calleeNode, adapter);
    const method = path.split('.').pop() ?? '';
    const text = call.calleeNode.text;
    if (node.type === 'new_expression') {
      if (/StdioServerTransport$/.test(text)) {
        surface.transports.push({ kind: 'stdio', detail: text, location: locationOf(file, node) });
      } else if (/StreamableHTTPServerTransport$/.test(text)) {
        surface.transports.push({ kind: 'streamable-http', detail: text, location: locationOf(file, node) });
      } else if (/SSEServerTransport$/.test(text)) {
        surface.transports.push({ kind: 'sse', detail: text, location: locationOf(file, node) });
      } else if (/OAuthServerProvider$/.test(text)) {
        surface.auth.push({ kind: 'oauth', detail: text, location: locationOf(file, node) });
      }
      continue;
    }
    if ((method === 'tool' || method === 'registerTool') && call.receiver && call.args.length >= 2) {
      const name = adapter.stringValue(resolveConstant(consts, call.args[0]) as SyntaxNode);
      if (name === null) continue;
      const last = call.args[call.args.length - 1] as SyntaxNode;
      let description: string | undefined;
      let schema: SyntaxNode | null = null;
      if (method === 'registerTool') {
        const config = resolveConstant(consts, call.args[1]) as SyntaxNode;
        const d = resolveConstant(consts, adapter.property(config, 'description'));
        description = d ? (adapter.stringValue(d) ?? undefined) : undefined;
        schema = resolveConstant(consts, adapter.property(config, 'inputSchema'));
      } else {
        for (const arg of call.args.slice(1, -1)) {
          const a = resolveConstant(consts, arg) as SyntaxNode;
          const s = adapter.stringValue(a);
          if (s !== null && description === undefined) description = s;
          else if (a.type === 'object' && schema === null) schema = a;
        }
      }
      const parameters = schemaParams(schema, file);
      const handlerFn = adapter.functionTypes.has(last.type) ? last : null;
      surface.tools.push({
        name,
        ...(description !== undefined ? { description } : {}),
        parameters,
        sdk: 'ts-sdk',
        location: locationOf(file, node),
        handler: {
          ...(handlerFn ? {} : { name: last.text }),
          location: locationOf(file, last),
        },
      });
      handlerEntry(surface, file, last, name, parameters);
      continue;
    }
    if (
      /^(resource|registerResource|prompt|registerPrompt)$/.test(method) &&
      call.receiver &&
      call.args.length >= 2 &&
      adapter.stringValue(call.args[0] as SyntaxNode) !== null
    ) {
      // Resource-template variables and prompt arguments come from the client as much as tool arguments.
      const last = call.args[call.args.length - 1] as SyntaxNode;
      if (adapter.functionTypes.has(last.type)) {
        surface.entries.push({
          file,
          fn: last,
          kind: 'tool-param',
          taintedParams: adapter
            .functionParams(last)
            .map((p) => p.index)
            .slice(0, 2),
          cleanNames: [],
          safeFields: [],
        });
      }
      continue;
    }
    if (method === 'setRequestHandler' && call.args.length >= 2) {
      const schemaName = call.args[0]?.text ?? '';
      const handler = call.args[1] as SyntaxNode;
      if (/CallToolRequestSchema$/.test(schemaName)) {
        callToolHandler = handler;
        handlerEntry(surface, file, handler, '*', []);
      }
      continue;
    }
    if (HTTP_METHODS.has(method) && call.receiver && call.args.length >= 2) {
      const route = adapter.stringValue(call.args[0] as SyntaxNode);
      if (route === null || !route.startsWith('/')) continue;
      for (const a of call.args.slice(1)) {
        if (adapter.functionTypes.has(a.type) && adapter.functionParams(a).length >= 2) {
          surface.entries.push({
            file,
            fn: a,
            kind: 'http-request',
            taintedParams: [0],
            cleanNames: [],
            safeFields: [],
          });
        }
      }
      if (/^\/(mcp|sse|messages?)\b/.test(route)) {
        const kind = route.startsWith('/mcp') ? 'streamable-http' : 'sse';
        surface.transports.push({
          kind,
          detail: `${method.toUpperCase()} ${route}`,
          location: locationOf(file, node),
        });
      }
      continue;
    }
    if (/(^|\.)createServer$/.test(path) && call.args[0] && adapter.functionTypes.has(call.args[0].type)) {
      surface.entries.push({
        file,
        fn: call.args[0],
        kind: 'http-request',
        taintedParams: [0],
        cleanNames: [],
        safeFields: [],
      });
      surface.transports.push({ kind: 'http', detail: path, location: locationOf(file, node) });
      continue;
    }
    if (/requireBearerAuth|mcpAuthRouter|bearerAuth/.test(path)) {
      surface.auth.push({ kind: 'bearer', detail: path, location: locationOf(file, node) });
    }
  }
  // Low-level servers list their tools as plain objects: {name, description, inputSchema}.
  for (const obj of file.root.descendantsOfType('object')) {
    const nameNode = adapter.property(obj, 'name');
    const schema = adapter.property(obj, 'inputSchema');
    const name = nameNode ? adapter.stringValue(nameNode) : null;
    if (!schema || name === null) continue;
    if (obj.parent?.parent && adapter.call(obj.parent.parent)) {
      const outer = rawPath(adapter.call(obj.parent.parent)!.calleeNode, adapter);
      if (/registerTool$/.test(outer)) continue;
    }
    const d = adapter.property(obj, 'description');
    const description = d ? adapter.stringValue(d) : null;
    surface.tools.push({
      name,
      ...(description !== null ? { description } : {}),
      parameters: schemaParams(schema, file),
      sdk: 'ts-sdk-low-level',
      location: locationOf(file, obj),
      ...(callToolHandler ? { handler: { location: locationOf(file, callToolHandler) } } : {}),
    });
  }
  for (const m of file.root.descendantsOfType(['member_expression', 'subscript_expression', 'string'])) {
    if (/^(['"])(authorization|x-api-key)\1$/i.test(m.text) || /\.headers\.authorization$/i.test(m.text)) {
      const kind = /api-key/i.test(m.text) ? 'api-key' : 'header-check';
      surface.auth.push({ kind, detail: m.text, location: locationOf(file, m) });
    }
  }
  return surface;
}
