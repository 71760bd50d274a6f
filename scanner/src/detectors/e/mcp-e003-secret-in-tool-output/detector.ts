import type { SyntaxNode } from 'tree-sitter';
import type { VisitContext } from '../../api.js';
import { defineDetector } from '../../api.js';
import { callParts, enclosingFunction, functionName, guarded } from '../../d/shapes.js';
import { leakIn } from '../secret-flow.js';

/** A tool handler: decorated @mcp.tool()/@server.call_tool(), passed to tool()/registerTool()/setRequestHandler(), or an MCP Go handler. */
function isToolHandler(fn: SyntaxNode): boolean {
  const dec = fn.parent?.type === 'decorated_definition' ? fn.parent : null;
  if (dec && /@[\w.]+\.(tool|call_tool)\(/.test(dec.text)) return true;
  const params = fn.childForFieldName('parameters')?.text ?? '';
  if (/CallToolRequest/.test(params)) return true;
  let p = fn.parent;
  if (p?.type === 'arguments') p = p.parent;
  if (p && (p.type === 'call_expression' || p.type === 'call')) {
    const c = callParts(p);
    if (c && /^(tool|registerTool|setRequestHandler|AddTool)$/.test(c.name)) return true;
  }
  // Named handler registered elsewhere in the file: s.AddTool(tool, handler) / mcp.AddTool(server, tool, Handler).
  const name = functionName(fn);
  // Python handlers are decorated; elsewhere a named handler is registered by name.
  if (name && fn.type !== 'function_definition') {
    const re = new RegExp(`\\b(AddTool|tool|registerTool|setRequestHandler)\\([^;]{0,600}?\\b${name}\\b`);
    if (re.test(fn.tree.rootNode.text)) return true;
  }
  return false;
}

function visit(node: SyntaxNode, ctx: VisitContext): void {
  let value: SyntaxNode | null | undefined = node.namedChildren[0];
  let fn = enclosingFunction(node);
  if (node.type === 'arrow_function') {
    // `async () => ({ content: [...] })`: the expression body is the result.
    const body = node.childForFieldName('body');
    if (!body || body.type === 'statement_block') return;
    value = body;
    fn = node;
  }
  if (!value) return;
  if (!fn || !isToolHandler(fn)) return;
  // Go handlers return (result, structured output, error): any of them reaches the client.
  const values = value.type === 'expression_list' ? value.namedChildren : [value];
  let what: string | null = null;
  for (const v of values) what ??= leakIn(v, ctx.q, 0, new Set());
  if (what && /throw|raise/.test(node.type)) what = `${what} in an error message`;
  if (what)
    ctx.report(node.type === 'arrow_function' ? value : node, {
      message: `A tool result returns ${what} to the MCP client (and the model)`,
    });
}

export default defineDetector({
  id: 'MCP-E003',
  class: 'E',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-200', 'CWE-526'],
  title: 'Secret or environment returned in a tool result',
  remediation:
    'Tool results go to the model and the client transcript. Never return the environment or credentials: return ' +
    'an allowlist of non-secret settings, and report secrets as present/absent ("configured": bool(key)).',
  visitors: {
    onNode: {
      types: ['return_statement', 'arrow_function', 'throw_statement', 'raise_statement'],
      visit: guarded(visit, undefined),
    },
  },
});
