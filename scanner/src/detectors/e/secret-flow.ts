/**
 * Where a value expression carries a secret: a secret-named environment variable or the whole environment,
 * followed through locals, module-level config objects, keyed lookups and same-file helper returns. Presence
 * checks, masks and keys-only views do not carry the value.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { NodeQuery } from '../api.js';
import {
  assignmentsTo,
  callParts,
  enclosingFunction,
  FUNCTION_TYPES,
  functionName,
  unwrap,
} from '../d/shapes.js';
import { isSecretName } from './secrets.js';

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
  'string',
  'bytes',
  'Errorf',
  'Error',
  'JSONResponse',
  'model_dump',
  'model_dump_json',
  'vars',
  'asdict',
  'json',
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

/**
 * `class Settings(BaseSettings): api_key: str`: an instance carries the environment's secrets.
 * With `key`, only that field counts.
 */
function settingsSecret(root: SyntaxNode, className: string, key?: string): string | null {
  const cls = root
    .descendantsOfType('class_definition')
    .find(
      (c) =>
        c.childForFieldName('name')?.text === className &&
        /Settings/.test(c.childForFieldName('superclasses')?.text ?? ''),
    );
  if (!cls) return null;
  for (const stmt of cls.childForFieldName('body')?.namedChildren ?? []) {
    const m = /^(\w+)\s*:/.exec(stmt.text);
    const field = m?.[1];
    if (!field || (key !== undefined && field !== key)) continue;
    if (isSecretName(field)) return `the secret setting ${field}`;
  }
  return null;
}

/** What secret a value expression carries: the whole environment or a secret-named variable. */
export function leakIn(node: SyntaxNode, q: NodeQuery, depth: number, seen: Set<number>): string | null {
  if (depth > 6 || seen.has(node.id)) return null;
  seen.add(node.id);
  const n = unwrap(node);
  // Structural descent is free; following a name or a call costs one level.
  const rec = (x: SyntaxNode | null | undefined, cost = 0) => (x ? leakIn(x, q, depth + cost, seen) : null);
  const first = (xs: (SyntaxNode | null | undefined)[], cost = 0) => {
    for (const x of xs) {
      const r = rec(x, cost);
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
      if (assigns.length > 0)
        return first(
          assigns.map((a) => a.value),
          1,
        );
      const r = q.resolve(n);
      if (r.id !== n.id) return rec(r, 1);
      const top = n.tree.rootNode;
      const defs = assignmentsTo(n.text, top, n.tree.rootNode.lastChild ?? n).filter(
        (a) => a.value && !enclosingFunction(a.at),
      );
      return first(
        defs.map((a) => a.value),
        1,
      );
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
    case 'unary_expression':
      // Go `&Result{...}` / `*cfg` keep the value; `!x`, `-x` do not.
      return /^[&*]/.test(n.text) ? rec(n.namedChildren[0]) : null;
    case 'pointer_expression':
      return rec(n.namedChildren[0]);
    case 'slice_expression': // Go key[:4]
      return null;
    case 'boolean_operator':
    case 'not_operator':
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
      if (call) {
        const setting = settingsSecret(n.tree.rootNode, call.name, key);
        if (setting) return setting;
      }
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
        return v ? rec(v, 1) : null;
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
    if (def && def.id !== enclosingFunction(n)?.id) return first(returnsOfFn(def), 1);
    const setting = settingsSecret(n.tree.rootNode, call.name);
    if (setting) return setting;
    if (PASS_THROUGH.has(call.name) || /(Error|Exception)$/.test(call.name))
      return first([call.receiver, ...call.args, ...call.kwargs.values()]);
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
