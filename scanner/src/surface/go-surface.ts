/** MCP surface of Go servers: mark3labs/mcp-go and the official modelcontextprotocol/go-sdk. */
import type { SyntaxNode } from 'tree-sitter';
import { rawPath } from '../taint/callee.js';
import type { FileContext } from '../taint/file-context.js';
import type { ToolParameter } from '../types.js';
import { emptyFileSurface, type FileSurface, isNonStringType, locationOf } from './entries.js';

export interface PackageLookup {
  /** A `type_spec` of the file's package. */
  struct(name: string): SyntaxNode | null;
  /** A function or method declaration of the file's package. */
  func(name: string): SyntaxNode | null;
}

const WITH_TYPES: Record<string, string> = {
  WithString: 'string',
  WithNumber: 'number',
  WithBoolean: 'boolean',
  WithArray: 'array',
  WithObject: 'object',
  WithInteger: 'integer',
};

function goType(t: string): string {
  if (/^u?int\d*$/.test(t)) return 'integer';
  if (/^float\d*$/.test(t)) return 'number';
  if (t === 'bool') return 'boolean';
  if (t === 'string') return 'string';
  if (t.startsWith('[]')) return 'array';
  return 'object';
}

/** Parameters of a go-sdk typed-args struct: JSON names for the report, Go names for taint. */
function structParams(struct: SyntaxNode | null): { params: ToolParameter[]; safeFields: string[] } {
  const params: ToolParameter[] = [];
  const safeFields: string[] = [];
  for (const field of struct?.descendantsOfType('field_declaration') ?? []) {
    const name = field.childForFieldName('name')?.text;
    const type = field.childForFieldName('type')?.text ?? '';
    if (!name) continue;
    const tag = field.childForFieldName('tag')?.text ?? '';
    const json = /json:"([^",]*)/.exec(tag)?.[1] || name;
    const description = /jsonschema:"(?:description=)?([^"]*)"/.exec(tag)?.[1];
    const p: ToolParameter = { name: json, type: goType(type), required: !/omitempty/.test(tag) };
    if (description) p.description = description;
    params.push(p);
    if (isNonStringType(p.type)) safeFields.push(name);
  }
  return { params: params.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), safeFields };
}

function newToolInfo(file: FileContext, call: SyntaxNode) {
  const { adapter } = file;
  const raw = adapter.call(call);
  const name = raw?.args[0] ? adapter.stringValue(raw.args[0]) : null;
  let description: string | undefined;
  const params: ToolParameter[] = [];
  for (const opt of raw?.args.slice(1) ?? []) {
    const o = adapter.call(opt);
    if (!o) continue;
    const fn = rawPath(o.calleeNode, adapter).split('.').pop() ?? '';
    if (fn === 'WithDescription' && o.args[0]) description = adapter.stringValue(o.args[0]) ?? undefined;
    const type = WITH_TYPES[fn];
    const pname = o.args[0] ? adapter.stringValue(o.args[0]) : null;
    if (type && pname) {
      const p: ToolParameter = { name: pname, type, required: false };
      for (const sub of o.args.slice(1)) {
        const s = adapter.call(sub);
        const subName = s ? (rawPath(s.calleeNode, adapter).split('.').pop() ?? '') : '';
        if (subName === 'Required') p.required = true;
        if (subName === 'Description' && s?.args[0])
          p.description = adapter.stringValue(s.args[0]) ?? undefined;
        if (subName === 'Enum' && s) p.enum = s.args.map((a) => adapter.stringValue(a) ?? a.text);
      }
      if (p.description === undefined) delete p.description;
      params.push(p);
    }
  }
  return {
    name,
    description,
    params: params.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** `mcp.NewTypedToolHandler(h)` and friends wrap the real handler. */
function unwrapHandler(file: FileContext, node: SyntaxNode | undefined): SyntaxNode | undefined {
  const call = node ? file.adapter.call(node) : null;
  if (!call || !/(Typed|Structured)\w*Handler$/.test(rawPath(call.calleeNode, file.adapter))) return node;
  return call.args[0] ?? node;
}

export function extractGoSurface(file: FileContext, pkg: PackageLookup): FileSurface {
  const surface = emptyFileSurface();
  const { adapter } = file;
  const toolVars = new Map<string, SyntaxNode>();
  for (const decl of file.root.descendantsOfType([
    'short_var_declaration',
    'assignment_statement',
    'var_spec',
  ])) {
    const asg = adapter.assignment(decl);
    const value = asg?.value;
    const target = asg?.targets[0];
    if (
      value &&
      target &&
      /(^|\.)NewTool$/.test(rawPath(adapter.call(value)?.calleeNode ?? value, adapter))
    ) {
      toolVars.set(target.text, value);
    }
  }
  for (const node of file.root.descendantsOfType('call_expression')) {
    const call = adapter.call(node);
    if (!call) continue;
    const path = rawPath(call.calleeNode, adapter);
    const last = path.split('.').pop() ?? '';
    const handler = unwrapHandler(file, call.args[call.args.length - 1]);
    if (last === 'AddTool' && path === 'mcp.AddTool' && call.args.length >= 3 && handler) {
      // go-sdk: mcp.AddTool(server, &mcp.Tool{Name, Description}, func(ctx, req, args T) ...)
      const toolLit = call.args[1] as SyntaxNode;
      const nameNode = adapter.property(toolLit, 'Name');
      const descNode = adapter.property(toolLit, 'Description');
      const name = nameNode ? adapter.stringValue(nameNode) : null;
      if (name === null) continue;
      const description = descNode ? (adapter.stringValue(descNode) ?? undefined) : undefined;
      const fnNode = adapter.functionTypes.has(handler.type) ? handler : null;
      const declared = fnNode ?? pkg.func(handler.text.split('.').pop() ?? handler.text);
      const argsType = declared ? (adapter.functionParams(declared)[2]?.typeText ?? null) : null;
      const { params, safeFields } = structParams(argsType ? pkg.struct(argsType.replace(/^\*/, '')) : null);
      surface.tools.push({
        name,
        ...(description !== undefined ? { description } : {}),
        parameters: params,
        sdk: 'go-sdk',
        location: locationOf(file, node),
        handler: { ...(fnNode ? {} : { name: handler.text }), location: locationOf(file, handler) },
      });
      surface.entries.push({
        file,
        fn: fnNode,
        ...(fnNode ? {} : { handlerName: handler.text.split('.').pop() ?? handler.text }),
        kind: 'tool-param',
        tool: name,
        taintedParams: [1, 2],
        cleanNames: [],
        safeFields,
      });
    } else if (last === 'AddTool' && call.args.length >= 2 && handler) {
      // mcp-go: s.AddTool(mcp.NewTool("name", ...), handler)
      const toolArg = call.args[0] as SyntaxNode;
      const toolCall = adapter.call(toolArg) ? toolArg : toolVars.get(toolArg.text);
      const info = toolCall ? newToolInfo(file, toolCall) : null;
      const goSdk = !toolCall && adapter.property(toolArg, 'Name');
      const name = info?.name ?? (goSdk ? adapter.stringValue(goSdk) : null);
      if (!name) continue;
      const fnNode = adapter.functionTypes.has(handler.type) ? handler : null;
      surface.tools.push({
        name,
        ...(info?.description !== undefined ? { description: info.description } : {}),
        parameters: info?.params ?? [],
        sdk: info ? 'mcp-go' : 'go-sdk',
        location: locationOf(file, toolCall ?? node),
        handler: { ...(fnNode ? {} : { name: handler.text }), location: locationOf(file, handler) },
      });
      surface.entries.push({
        file,
        fn: fnNode,
        ...(fnNode ? {} : { handlerName: handler.text.split('.').pop() ?? handler.text }),
        kind: 'tool-param',
        tool: name,
        // (ctx, request) — or (ctx, request, args) for mcp.NewTypedToolHandler.
        taintedParams: [1, 2],
        cleanNames: [],
        safeFields: [],
      });
    } else if (last === 'ServeStdio' || path === 'mcp.NewStdioTransport') {
      surface.transports.push({ kind: 'stdio', detail: path, location: locationOf(file, node) });
    } else if (last === 'NewSSEServer' || last === 'NewSSEHandler') {
      surface.transports.push({ kind: 'sse', detail: path, location: locationOf(file, node) });
    } else if (last === 'NewStreamableHTTPServer' || last === 'NewStreamableHTTPHandler') {
      surface.transports.push({ kind: 'streamable-http', detail: path, location: locationOf(file, node) });
    } else if (last === 'ListenAndServe' || last === 'ListenAndServeTLS') {
      surface.transports.push({ kind: 'http', detail: path, location: locationOf(file, node) });
    } else if (/RequireBearerToken|WithHTTPContextFunc|oauth2|VerifyToken/.test(path)) {
      surface.auth.push({
        kind: /oauth/i.test(path) ? 'oauth' : 'bearer',
        detail: path,
        location: locationOf(file, node),
      });
    }
  }
  for (const lit of file.root.descendantsOfType('composite_literal')) {
    // mcp-go: s.AddTools(server.ServerTool{Tool: mcp.NewTool(...), Handler: h}, ...)
    if (/(^|\.)ServerTool$/.test(lit.childForFieldName('type')?.text ?? '')) {
      const toolNode = adapter.property(lit, 'Tool');
      const handler = unwrapHandler(file, adapter.property(lit, 'Handler') ?? undefined);
      const toolCall =
        toolNode && adapter.call(toolNode) ? toolNode : toolNode ? toolVars.get(toolNode.text) : undefined;
      const info = toolCall ? newToolInfo(file, toolCall) : null;
      if (info?.name && handler) {
        const fnNode = adapter.functionTypes.has(handler.type) ? handler : null;
        surface.tools.push({
          name: info.name,
          ...(info.description !== undefined ? { description: info.description } : {}),
          parameters: info.params,
          sdk: 'mcp-go',
          location: locationOf(file, toolCall ?? lit),
          handler: { ...(fnNode ? {} : { name: handler.text }), location: locationOf(file, handler) },
        });
        surface.entries.push({
          file,
          fn: fnNode,
          ...(fnNode ? {} : { handlerName: handler.text.split('.').pop() ?? handler.text }),
          kind: 'tool-param',
          tool: info.name,
          taintedParams: [1, 2],
          cleanNames: [],
          safeFields: [],
        });
      }
    }
    if (/^&?mcp\.StdioTransport$/.test(lit.childForFieldName('type')?.text ?? '')) {
      surface.transports.push({
        kind: 'stdio',
        detail: 'mcp.StdioTransport',
        location: locationOf(file, lit),
      });
    }
  }
  // net/http handlers: the *http.Request parameter carries attacker data.
  for (const fn of file.root.descendantsOfType([...adapter.functionTypes])) {
    const params = adapter.functionParams(fn);
    const req = params.find((p) => /^\*?http\.Request$/.test(p.typeText ?? ''));
    if (req) {
      surface.entries.push({
        file,
        fn,
        kind: 'http-request',
        taintedParams: [req.index],
        cleanNames: [],
        safeFields: [],
      });
    }
  }
  for (const s of file.root.descendantsOfType('interpreted_string_literal')) {
    if (/^"(authorization|x-api-key)"$/i.test(s.text)) {
      surface.auth.push({
        kind: /api-key/i.test(s.text) ? 'api-key' : 'header-check',
        detail: s.text,
        location: locationOf(file, s),
      });
    }
  }
  return surface;
}
