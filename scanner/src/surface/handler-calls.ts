/**
 * The calls a tool's handler makes, directly or through project functions it calls (a few levels deep),
 * with canonical callees. Lets surface visitors compare what a tool says with what its code does.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery } from '../detectors/api.js';
import { canonicalPath, rawPath } from '../taint/callee.js';
import type { FileContext } from '../taint/file-context.js';
import { buildFunctionIndex } from '../taint/function-index.js';
import { createNodeQuery } from '../taint/node-query.js';
import type { McpTool } from '../types.js';
import { toolNameAt } from './entries.js';

export interface HandlerCall {
  call: CallView;
  file: FileContext;
  q: NodeQuery;
}

const CALL_TYPES = ['call', 'call_expression', 'new_expression'];
const MAX_DEPTH = 3;

export function createHandlerCalls(files: readonly FileContext[]): (tool: McpTool) => HandlerCall[] {
  let index: ReturnType<typeof buildFunctionIndex> | null = null;
  const cache = new Map<string, HandlerCall[]>();
  const queries = new Map<string, NodeQuery>();
  const queryOf = (file: FileContext): NodeQuery => {
    let q = queries.get(file.path);
    if (!q) {
      q = createNodeQuery(file.adapter, (name) => file.moduleDefs.get(name));
      queries.set(file.path, q);
    }
    return q;
  };

  const handlerNode = (tool: McpTool): { file: FileContext; fn: SyntaxNode } | null => {
    const loc = tool.handler?.location;
    if (!loc) return null;
    const file = files.find((f) => f.path === loc.file);
    if (!file) return null;
    const name = tool.handler?.name?.split('.').pop();
    if (name) {
      index ??= buildFunctionIndex(files, 'deep');
      const fn = index.byName(file, name)[0];
      if (fn) return { file: fn.file, fn: fn.node };
    }
    let n: SyntaxNode | null = file.root.descendantForPosition({
      row: loc.startLine - 1,
      column: loc.startColumn - 1,
    });
    while (n && !file.adapter.functionTypes.has(n.type)) n = n.parent;
    return n ? { file, fn: n } : null;
  };

  const viewOf = (file: FileContext, node: SyntaxNode): CallView | null => {
    const raw = file.adapter.call(node);
    if (!raw) return null;
    const rawCallee = rawPath(raw.calleeNode, file.adapter);
    return {
      node,
      language: file.language,
      callee: canonicalPath(rawCallee, file, (n) => file.moduleDefs.get(n)),
      rawCallee,
      args: raw.args,
      kwargs: raw.kwargs,
      receiver: raw.receiver,
      isNew: raw.isNew,
    };
  };

  return (tool) => {
    const key = `${tool.location.file}:${tool.location.startLine}:${tool.location.startColumn}:${tool.name}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const out: HandlerCall[] = [];
    const start = handlerNode(tool);
    const seen = new Set<number>();
    const visit = (file: FileContext, fn: SyntaxNode, depth: number, shared: boolean) => {
      if (seen.has(fn.id)) return;
      seen.add(fn.id);
      for (const node of fn.descendantsOfType(CALL_TYPES)) {
        // One handler serving every tool (low-level SDKs): only the branch of this tool.
        if (shared) {
          const at = toolNameAt(node, fn);
          if (at !== undefined && at !== tool.name) continue;
        }
        const call = viewOf(file, node);
        if (!call) continue;
        out.push({ call, file, q: queryOf(file) });
        if (depth >= MAX_DEPTH) continue;
        index ??= buildFunctionIndex(files, 'deep');
        for (const target of index.resolve(file, call)) visit(target.file, target.node, depth + 1, false);
      }
    };
    if (start)
      visit(start.file, start.fn, 0, tool.sdk === 'ts-sdk-low-level' || tool.sdk === 'python-low-level');
    cache.set(key, out);
    return out;
  };
}
