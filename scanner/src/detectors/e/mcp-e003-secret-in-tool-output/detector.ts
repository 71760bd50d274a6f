import type { SyntaxNode } from 'tree-sitter';
import type { NodeQuery, VisitContext } from '../../api.js';
import { defineDetector } from '../../api.js';
import {
  assignmentsTo,
  callParts,
  enclosingFunction,
  FUNCTION_TYPES,
  functionName,
  unwrap,
} from '../../d/shapes.js';
import { isSecretName } from '../secrets.js';

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
  if (name) {
    const re = new RegExp(`\\b(AddTool|tool|registerTool)\\([^;\\n]*\\b${name}\\b`);
    if (re.test(fn.tree.rootNode.text)) return true;
  }
  return false;
}

const PASS_THROUGH = new Set([
  'dict',
  'copy',
  'items',
  'values',
  'stringify',
  'dumps',
  'str',
  'repr',
  'String',
  'Join',
  'Sprintf',
  'Sprint',
  'Sprintln',
  'format',
  'assign',
  'join',
  'concat',
  'from',
  'entries',
  'fromEntries',
  'toString',
  'list',
  'tuple',
  'Marshal',
  'MarshalIndent',
  'NewToolResultText',
  'NewToolResultStructured',
  'NewToolResultStructuredOnly',
  'TextContent',
  'jsonify',
  'JSONResponse',
  'model_dump',
  'dict_items',
]);
const PRESENCE = new Set(['bool', 'Boolean', 'len', 'hash', 'isset', 'has', 'hasattr', 'includes']);

function envName(n: SyntaxNode): string | null {
  const m =
    /^os\.environ(?:\[\s*|\.get\(\s*)["'](\w+)["']/.exec(n.text) ??
    /^os\.getenv\(\s*["'](\w+)["']/.exec(n.text) ??
    /^process\.env(?:\.(\w+)$|\[\s*["'`](\w+)["'`]\s*\]$)/.exec(n.text) ??
    /^os\.(?:Getenv|LookupEnv)\(\s*"(\w+)"/.exec(n.text);
  return m ? (m.slice(1).find((x) => !!x) ?? null) : null;
}

function isEnvObject(n: SyntaxNode): boolean {
  return /^(os\.environ|process\.env|os\.Environ\(\)|syscall\.Environ\(\))$/.test(n.text);
}

function keyedValue(container: SyntaxNode, key: string): SyntaxNode | null {
  for (const p of container.namedChildren) {
    if (p.type !== 'pair' && p.type !== 'keyed_element') continue;
    const k = (p.childForFieldName('key') ?? p.namedChildren[0])?.text.replace(/^["'`]|["'`]$/g, '');
    if (k === key) return p.childForFieldName('value') ?? p.namedChildren[1] ?? null;
  }
  return null;
}

function returnsOfFn(fn: SyntaxNode): SyntaxNode[] {
  const body = fn.childForFieldName('body');
  if (!body) return [];
  if (body.type !== 'block' && body.type !== 'statement_block') return [body];
  return body
    .descendantsOfType('return_statement')
    .filter((r) => enclosingFunction(r)?.id === fn.id)
    .map((r) => r.namedChildren[0])
    .filter((v): v is SyntaxNode => !!v);
}

function projectFunction(root: SyntaxNode, name: string): SyntaxNode | null {
  return root.descendantsOfType([...FUNCTION_TYPES]).find((f) => functionName(f) === name) ?? null;
}

/** What secret a value expression carries: the whole environment or a secret-named variable. */
function leakIn(node: SyntaxNode, q: NodeQuery, depth: number, seen: Set<number>): string | null {
  if (depth > 6 || seen.has(node.id)) return null;
  seen.add(node.id);
  const n = unwrap(node);
  const rec = (x: SyntaxNode | null | undefined) => (x ? leakIn(x, q, depth + 1, seen) : null);
  const first = (xs: (SyntaxNode | null | undefined)[]) => {
    for (const x of xs) {
      const r = rec(x);
      if (r) return r;
    }
    return null;
  };
  const env = envName(n);
  if (env !== null) return isSecretName(env) ? `the secret ${env}` : null;
  if (isEnvObject(n)) {
    const parent = n.parent;
    // `os.environ.keys()`, `Object.keys(process.env)`: names only.
    if (
      parent &&
      /keys/.test(parent.text.slice(0, 40)) &&
      !/values|items|entries/.test(parent.text.slice(0, 40))
    )
      return null;
    return 'the whole environment';
  }
  switch (n.type) {
    case 'identifier': {
      const fn = enclosingFunction(n);
      const assigns = fn ? assignmentsTo(n.text, fn, n).filter((a) => a.value) : [];
      if (assigns.length > 0) return first(assigns.map((a) => a.value));
      const r = q.resolve(n);
      if (r.id !== n.id) return rec(r);
      const top = n.tree.rootNode;
      const defs = assignmentsTo(n.text, top, n.tree.rootNode.lastChild ?? n).filter(
        (a) => a.value && !enclosingFunction(a.at),
      );
      return first(defs.map((a) => a.value));
    }
    case 'conditional_expression':
      return first([n.namedChildren[0], n.namedChildren[2]]);
    case 'ternary_expression':
      return first([n.childForFieldName('consequence'), n.childForFieldName('alternative')]);
    case 'binary_operator':
    case 'binary_expression': {
      const op = n.childForFieldName('operator')?.text ?? '';
      if (!['+', '%', '??', '||', 'or'].includes(op)) return null; // comparisons are presence checks
      return first([n.childForFieldName('left'), n.childForFieldName('right')]);
    }
    case 'boolean_operator':
    case 'not_operator':
    case 'unary_expression':
    case 'comparison_operator':
      return null;
    case 'subscript':
    case 'subscript_expression':
    case 'member_expression':
    case 'attribute':
    case 'selector_expression':
    case 'index_expression': {
      const sub = n.childForFieldName('subscript') ?? n.childForFieldName('index');
      if (sub && /slice/.test(sub.type)) return null; // key[:4]
      const obj =
        n.childForFieldName('value') ?? n.childForFieldName('object') ?? n.childForFieldName('operand');
      const key =
        (sub ? q.stringValue(sub) : null) ??
        (n.childForFieldName('property') ?? n.childForFieldName('attribute') ?? n.childForFieldName('field'))
          ?.text ??
        null;
      if (!obj || !key) return null;
      const target = obj.type === 'identifier' ? q.resolve(obj) : obj;
      const call = callParts(unwrap(target));
      const literal = call
        ? returnsOfFn(projectFunction(n.tree.rootNode, call.name) ?? n).find((r) =>
            /dictionary|object/.test(r.type),
          )
        : target;
      if (literal && /dictionary|object|composite_literal/.test(literal.type)) {
        const v = keyedValue(
          literal.type === 'composite_literal' ? (literal.childForFieldName('body') ?? literal) : literal,
          key,
        );
        return v ? rec(v) : null;
      }
      return null;
    }
    default:
      break;
  }
  const call = callParts(n);
  if (call) {
    if (PRESENCE.has(call.name) || /mask|redact/i.test(call.name)) return null;
    if (call.name === 'keys' || call.callee.text === 'Object.keys') return null;
    const def = projectFunction(n.tree.rootNode, call.name);
    if (def && def.id !== enclosingFunction(n)?.id) return first(returnsOfFn(def));
    if (PASS_THROUGH.has(call.name)) return first([call.receiver, ...call.args, ...call.kwargs.values()]);
    return null;
  }
  if (FUNCTION_TYPES.has(n.type)) return null;
  // literals, f-strings, templates, dicts, lists, spreads, pairs, Go composite literals
  const kids = n.namedChildren.map((c) =>
    c.type === 'pair' || c.type === 'keyed_element'
      ? (c.childForFieldName('value') ?? c.namedChildren[1])
      : c,
  );
  return first(kids);
}

function visit(node: SyntaxNode, ctx: VisitContext): void {
  const value = node.namedChildren[0];
  if (!value) return;
  const fn = enclosingFunction(node);
  if (!fn || !isToolHandler(fn)) return;
  const what = leakIn(
    value.type === 'expression_list' ? (value.namedChildren[0] ?? value) : value,
    ctx.q,
    0,
    new Set(),
  );
  if (what) ctx.report(node, { message: `A tool result returns ${what} to the MCP client (and the model)` });
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
  visitors: { onNode: { types: ['return_statement'], visit } },
});
