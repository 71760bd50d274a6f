/**
 * How a string value was put together, in every language: literal text and the non-constant
 * pieces spliced into it (f-strings, template literals, `+`, `%`, `.format`, `fmt.Sprintf`,
 * `join`, `+=`/append built-up strings, same-file helper functions). Used by the SQL detectors
 * (class D) to tell a string-built query from a whole caller-supplied one, and by the secret
 * detectors (class E) to find what a log line or a tool result is made of.
 *
 * Pieces are syntax nodes of the analysed function (or of a definition it reads), so the taint
 * engine can evaluate them where the rule picks them.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { NodeQuery } from '../api.js';

export type Seg = { text: string } | { piece: SyntaxNode };

export interface Shape {
  /** Made by composition (interpolation, concatenation, formatting, joining). */
  built: boolean;
  segs: Seg[];
  /** The value is (or comes straight from) a parameter of the enclosing function. */
  param?: boolean;
}

export const FUNCTION_TYPES = new Set([
  'function_definition',
  'lambda',
  'function_declaration',
  'function_expression',
  'arrow_function',
  'method_definition',
  'generator_function_declaration',
  'generator_function',
  'method_declaration',
  'func_literal',
]);

const WRAPPERS = new Set([
  'parenthesized_expression',
  'await',
  'await_expression',
  'as_expression',
  'non_null_expression',
  'satisfies_expression',
  'type_assertion',
  'type_conversion_expression',
]);

export function unwrap(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (WRAPPERS.has(n.type) || (n.type === 'expression_statement' && n.namedChildCount === 1)) {
    const inner =
      n.type === 'type_conversion_expression' ? n.childForFieldName('operand') : n.namedChildren.at(-1);
    if (!inner) break;
    n = inner;
  }
  return n;
}

export function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  for (let n = node.parent; n; n = n.parent) if (FUNCTION_TYPES.has(n.type)) return n;
  return null;
}

export function functionName(fn: SyntaxNode): string | null {
  const name = fn.childForFieldName('name');
  if (name) return name.text;
  const parent = fn.parent;
  if (parent?.type === 'variable_declarator') return parent.childForFieldName('name')?.text ?? null;
  if (parent?.type === 'assignment') return parent.childForFieldName('left')?.text ?? null;
  if (parent?.type === 'pair') return parent.childForFieldName('key')?.text ?? null;
  return null;
}

/** Parameter names in order (destructured names flattened at the position of their pattern). */
export function paramNames(fn: SyntaxNode): string[][] {
  const list =
    fn.childForFieldName('parameters') ??
    fn.childForFieldName('parameter') ??
    fn.childForFieldName('parameter_list');
  if (!list) return [];
  const params = list.type === 'identifier' ? [list] : list.namedChildren.filter((c) => c.type !== 'comment');
  const out: string[][] = [];
  for (const p of params) {
    if (p.type === 'keyword_separator' || p.type === 'positional_separator') continue;
    const names: string[] = [];
    const visit = (n: SyntaxNode) => {
      if (n.type === 'identifier' || n.type === 'shorthand_property_identifier_pattern') {
        names.push(n.text);
        return;
      }
      if (
        n.type === 'type' ||
        n.type === 'type_annotation' ||
        n.type.endsWith('_type') ||
        n.type === 'qualified_type'
      )
        return;
      for (const c of n.namedChildren) {
        // default values and types are not bindings
        if (c.id === n.childForFieldName('value')?.id || c.id === n.childForFieldName('type')?.id) continue;
        visit(c);
      }
    };
    visit(p);
    // Go `a, b string` declares two parameters.
    if (p.type === 'parameter_declaration' && names.length > 1) for (const nm of names) out.push([nm]);
    else out.push(names);
  }
  return out;
}

function textOfLiteral(n: SyntaxNode, q: NodeQuery): string | null {
  if (
    n.type === 'string' ||
    n.type === 'concatenated_string' ||
    n.type === 'template_string' ||
    n.type === 'interpreted_string_literal' ||
    n.type === 'raw_string_literal'
  ) {
    return q.stringValue(n);
  }
  return null;
}

function lastSegment(callee: SyntaxNode): string {
  const t = callee.text;
  const m = /([\w$]+)\s*$/.exec(t);
  return m?.[1] ?? t;
}

interface CallParts {
  callee: SyntaxNode;
  receiver: SyntaxNode | null;
  args: SyntaxNode[];
  kwargs: Map<string, SyntaxNode>;
  name: string;
}

export function callParts(n: SyntaxNode): CallParts | null {
  if (n.type !== 'call' && n.type !== 'call_expression') return null;
  const callee = n.childForFieldName('function');
  if (!callee) return null;
  const argsNode = n.childForFieldName('arguments');
  const args: SyntaxNode[] = [];
  const kwargs = new Map<string, SyntaxNode>();
  for (const a of argsNode?.namedChildren ?? []) {
    if (a.type === 'comment') continue;
    if (a.type === 'keyword_argument') {
      const k = a.childForFieldName('name')?.text;
      const v = a.childForFieldName('value');
      if (k && v) kwargs.set(k, v);
    } else args.push(a);
  }
  if (argsNode?.type === 'template_string') args.push(argsNode);
  let receiver: SyntaxNode | null = null;
  if (callee.type === 'attribute' || callee.type === 'member_expression')
    receiver = callee.childForFieldName('object');
  else if (callee.type === 'selector_expression') receiver = callee.childForFieldName('operand');
  return { callee, receiver, args, kwargs, name: lastSegment(callee) };
}

/** `prisma.$queryRaw\`...\``, `sql\`...\``: a tagged template binds its substitutions as parameters. */
export function isTaggedTemplate(call: SyntaxNode): boolean {
  return call.childForFieldName('arguments')?.type === 'template_string';
}

interface Assign {
  value: SyntaxNode | null;
  augmented: boolean;
  at: SyntaxNode;
}

/** Assignments to `name` (and appends into it) inside `scope`, before `before`, not in nested functions. */
export function assignmentsTo(name: string, scope: SyntaxNode, before: SyntaxNode): Assign[] {
  const out: Assign[] = [];
  const limit = before.startIndex;
  const visit = (n: SyntaxNode) => {
    if (n.startIndex >= limit) return;
    if (n.id !== scope.id && FUNCTION_TYPES.has(n.type) && n.type !== 'lambda' && n.type !== 'arrow_function')
      return;
    switch (n.type) {
      case 'assignment':
      case 'augmented_assignment':
      case 'assignment_expression':
      case 'augmented_assignment_expression': {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        if (left?.text === name) {
          out.push({
            value: right,
            augmented: n.type.startsWith('augmented') || n.type === 'augmented_assignment',
            at: n,
          });
        } else if (left && /pattern_list|tuple_pattern|tuple|array_pattern|object_pattern/.test(left.type)) {
          if (left.namedChildren.some((c) => c.text === name))
            out.push({ value: null, augmented: false, at: n });
        }
        break;
      }
      case 'variable_declarator': {
        const left = n.childForFieldName('name');
        if (left?.text === name) out.push({ value: n.childForFieldName('value'), augmented: false, at: n });
        else if (
          left &&
          left.type !== 'identifier' &&
          left.descendantsOfType('shorthand_property_identifier_pattern').some((c) => c.text === name)
        )
          out.push({ value: null, augmented: false, at: n });
        break;
      }
      case 'short_var_declaration':
      case 'assignment_statement':
      case 'var_spec':
      case 'const_spec': {
        const left = n.childForFieldName('left') ?? null;
        const names = left ? left.namedChildren : n.childrenForFieldName('name');
        const values = (n.childForFieldName('right') ?? n.childForFieldName('value'))?.namedChildren ?? [];
        const i = names.findIndex((c) => c.text === name);
        if (i >= 0) {
          const op =
            n.childForFieldName('operator')?.text ?? n.children.find((c) => /^[+]=$/.test(c.type))?.type;
          let value =
            values.length === names.length
              ? (values[i] ?? null)
              : values.length === 1 && i === 0
                ? (values[0] ?? null)
                : null;
          if (values.length === 1 && names.length === 1) value = values[0] ?? null;
          out.push({ value, augmented: op === '+=', at: n });
        }
        break;
      }
      case 'call':
      case 'call_expression': {
        const c = callParts(n);
        if (
          c?.receiver?.text === name &&
          /^(append|push|extend|unshift|insert|WriteString|Write|add)$/.test(c.name)
        ) {
          const vals = c.name === 'insert' ? c.args.slice(1) : c.args;
          for (const v of vals) out.push({ value: v, augmented: true, at: n });
        } else if (
          (c?.name === 'Fprintf' || c?.name === 'Fprint') &&
          c.args[0]?.text.replace(/^&/, '') === name
        ) {
          out.push({ value: n, augmented: true, at: n });
        }
        break;
      }
      default:
        break;
    }
    for (const c of n.namedChildren) visit(c);
  };
  visit(scope);
  return out;
}

function functionsNamed(root: SyntaxNode, name: string): SyntaxNode[] {
  return root
    .descendantsOfType([...FUNCTION_TYPES])
    .filter((f) => f.type !== 'lambda' && f.type !== 'arrow_function' && functionName(f) === name);
}

function returnsOf(fn: SyntaxNode): SyntaxNode[] {
  const body = fn.childForFieldName('body');
  if (!body) return [];
  if (fn.type === 'arrow_function' && body.type !== 'statement_block') return [body];
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode) => {
    if (n.id !== fn.id && FUNCTION_TYPES.has(n.type)) return;
    if (n.type === 'return_statement') {
      const v = n.namedChildren[0];
      if (v) out.push(v.type === 'expression_list' ? (v.namedChildren[0] ?? v) : v);
      return;
    }
    for (const c of n.namedChildren) visit(c);
  };
  visit(body);
  return out;
}

/** Calls of a function by name in the file: `name(...)`, `self.name(...)`, `s.name(...)`. */
export function callersOf(root: SyntaxNode, fnName: string): SyntaxNode[] {
  return root.descendantsOfType(['call', 'call_expression']).filter((c) => {
    const p = callParts(c);
    return p !== null && p.name === fnName;
  });
}

const TRANSPARENT = new Set([
  'text',
  'SQL',
  'strip',
  'lstrip',
  'rstrip',
  'lower',
  'upper',
  'trim',
  'trimStart',
  'trimEnd',
  'toLowerCase',
  'toUpperCase',
  'dedent',
  'TrimSpace',
  'ToUpper',
  'ToLower',
  'str',
  'String',
  'sql_text',
]);

export interface ShapeOptions {
  q: NodeQuery;
  /** Follow a parameter of the enclosing function to its callers in the file. */
  followParams?: boolean;
}

/** Interleave a format string's placeholders with the formatted arguments. */
function interleave(fmt: string, args: Shape[], names: Map<string, Shape>, verb: RegExp): Seg[] {
  const segs: Seg[] = [];
  let last = 0;
  let i = 0;
  for (const m of fmt.matchAll(verb)) {
    if (m[0] === '%%' || m[0] === '{{' || m[0] === '}}') continue;
    segs.push({ text: fmt.slice(last, m.index) });
    const key = /^\{(\w+)/.exec(m[0])?.[1];
    const named = key && !/^\d+$/.test(key) ? names.get(key) : undefined;
    const idx = key && /^\d+$/.test(key) ? Number(key) : i++;
    const arg = named ?? args[idx];
    if (arg) segs.push(...arg.segs);
    last = (m.index ?? 0) + m[0].length;
  }
  segs.push({ text: fmt.slice(last) });
  // Arguments without a placeholder still end up somewhere.
  for (let k = i; k < args.length; k++) if (!named(names, args[k])) segs.push(...(args[k]?.segs ?? []));
  return segs;
}

function named(names: Map<string, Shape>, s: Shape | undefined): boolean {
  return !!s && [...names.values()].includes(s);
}

export function shapeOf(node: SyntaxNode, opts: ShapeOptions, depth = 0): Shape {
  const { q } = opts;
  const n = unwrap(node);
  const whole: Shape = { built: false, segs: [{ piece: n }] };
  if (depth > 8) return whole;
  const lit = textOfLiteral(n, q);
  if (lit !== null) return { built: false, segs: [{ text: lit }] };
  const sub = (x: SyntaxNode) => shapeOf(x, opts, depth + 1);
  const concat = (shapes: Shape[]): Shape => ({ built: true, segs: shapes.flatMap((s) => s.segs) });

  // f-strings and template literals
  if (n.type === 'string' || n.type === 'template_string') {
    const segs: Seg[] = [];
    for (const c of n.namedChildren) {
      if (c.type === 'interpolation' || c.type === 'template_substitution') {
        const expr = c.namedChildren.find(
          (x) => x.type !== 'format_specifier' && x.type !== 'type_conversion',
        );
        if (expr) segs.push(...sub(expr).segs);
      } else if (
        c.type === 'string_content' ||
        c.type === 'string_fragment' ||
        c.type === 'escape_sequence'
      ) {
        segs.push({ text: c.text });
      }
    }
    return { built: true, segs };
  }
  if (n.type === 'concatenated_string') return concat(n.namedChildren.map(sub));
  if (n.type === 'binary_operator' || n.type === 'binary_expression') {
    const op = n.childForFieldName('operator')?.text;
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    if (!left || !right) return whole;
    if (op === '+') return concat([sub(left), sub(right)]);
    if (op === '%' && n.type === 'binary_operator') {
      const fmt = q.stringValue(left);
      const r = unwrap(right);
      const items = r.type === 'tuple' ? r.namedChildren.map(sub) : [sub(r)];
      if (fmt !== null && r.type !== 'dictionary') {
        return {
          built: true,
          segs: interleave(fmt, items, new Map(), /%%|%(\([^)]*\))?[-+# 0-9.]*[a-zA-Z]/g),
        };
      }
      return concat([sub(left), ...items]);
    }
    return whole;
  }
  if (n.type === 'conditional_expression') {
    const kids = n.namedChildren;
    return concat([kids[0], kids[2]].filter((k): k is SyntaxNode => !!k).map(sub));
  }
  if (n.type === 'ternary_expression') {
    const a = n.childForFieldName('consequence');
    const b = n.childForFieldName('alternative');
    return concat([a, b].filter((k): k is SyntaxNode => !!k).map(sub));
  }
  if (n.type === 'list_comprehension' || n.type === 'generator_expression') {
    const body = n.childForFieldName('body') ?? n.namedChildren[0];
    return body ? { ...sub(body), built: true } : whole;
  }
  if (n.type === 'list' || n.type === 'array' || n.type === 'tuple' || n.type === 'composite_literal') {
    const els =
      n.type === 'composite_literal' ? (n.childForFieldName('body')?.namedChildren ?? []) : n.namedChildren;
    return concat(els.map((e) => sub(e.type === 'literal_element' ? (e.namedChildren[0] ?? e) : e)));
  }

  const call = callParts(n);
  if (call) {
    const { name, receiver, args, kwargs } = call;
    if (name === 'format' && receiver && n.type === 'call') {
      const fmt =
        q.stringValue(receiver) ??
        (callParts(unwrap(receiver))?.args[0]
          ? q.stringValue(callParts(unwrap(receiver))?.args[0] as SyntaxNode)
          : null);
      const named = new Map([...kwargs].map(([k, v]) => [k, sub(v)] as const));
      if (fmt !== null)
        return { built: true, segs: interleave(fmt, args.map(sub), named, /\{\{|\}\}|\{[^{}]*\}/g) };
      return concat([sub(receiver), ...args.map(sub), ...[...named.values()]]);
    }
    if ((name === 'Sprintf' || name === 'format' || name === 'Sprint' || name === 'Errorf') && args[0]) {
      const fmt = q.stringValue(args[0]);
      const rest = args.slice(1).map(sub);
      if (fmt !== null)
        return { built: true, segs: interleave(fmt, rest, new Map(), /%%|%[-+# 0-9.]*[a-zA-Z]/g) };
      return concat([sub(args[0]), ...rest]);
    }
    if (name === 'join' || name === 'Join') {
      // Python sep.join(items); JS items.join(sep); Go strings.Join(items, sep)
      const items =
        n.type === 'call' ? args[0] : receiver && call.callee.text !== 'strings.Join' ? receiver : args[0];
      if (!items) return whole;
      const s = sub(items);
      return { built: true, segs: s.segs };
    }
    // `ids.map(Number)`, `map(int, ids)`, `map(str, map(int, ids))`: numbers only.
    const NUMERIC = /^(Number|parseInt|parseFloat|Math\.\w+|int|float|abs|round|strconv\.Itoa)$/;
    if (name === 'map' && args[0] && NUMERIC.test(args[0].text))
      return { built: false, segs: [{ text: '0' }] };
    if (name === 'map' && !receiver && args[0]?.text === 'str' && args[1]) {
      const inner = callParts(unwrap(args[1]));
      if (inner?.name === 'map' && inner.args[0] && NUMERIC.test(inner.args[0].text))
        return { built: false, segs: [{ text: '0' }] };
    }
    if (name === 'map' && receiver && args[0] && FUNCTION_TYPES.has(args[0].type)) {
      const body = args[0].childForFieldName('body');
      const value = body && body.type !== 'statement_block' ? body : body ? returnsOf(args[0])[0] : null;
      if (!value) return whole;
      // The index parameter of map((x, i) => ...) is a number.
      const indexNames = new Set(paramNames(args[0]).slice(1).flat());
      const s = sub(value);
      const segs = s.segs.filter((g) => !('piece' in g) || !indexNames.has(unwrap(g.piece).text));
      return { built: true, segs };
    }
    if (name === 'concat' && receiver) return concat([sub(receiver), ...args.map(sub)]);
    if (name === 'String' && receiver && n.type === 'call_expression' && args.length === 0) {
      const fn = enclosingFunction(n);
      const target = unwrap(receiver);
      if (fn && target.type === 'identifier') {
        const contrib = assignmentsTo(target.text, fn, n).filter((a) => a.augmented && a.value);
        if (contrib.length > 0) return concat(contrib.map((a) => sub(a.value as SyntaxNode)));
      }
    }
    if (name === 'Fprintf' && args[1]) {
      const fmt = q.stringValue(args[1]);
      const rest = args.slice(2).map(sub);
      if (fmt !== null)
        return { built: true, segs: interleave(fmt, rest, new Map(), /%%|%[-+# 0-9.]*[a-zA-Z]/g) };
    }
    // `COLUMNS.get(key, "id")`: a lookup in a constant table yields one of its constant values.
    if ((name === 'get' || name === 'Get') && receiver && /^[A-Z][A-Z0-9_]*$/.test(unwrap(receiver).text)) {
      return { built: false, segs: [{ text: '' }] };
    }
    // drizzle `sql.raw(text)`, Prisma.raw(text): the text goes in as SQL.
    if (name === 'raw' && receiver && /^(sql|Prisma)$/.test(unwrap(receiver).text) && args[0]) {
      const s = sub(args[0]);
      return s.built ? s : whole;
    }
    if (TRANSPARENT.has(name)) {
      const inner = receiver && args.length === 0 ? receiver : args[0];
      if (inner && (receiver === null || args.length === 0 || name === 'text' || name === 'SQL')) {
        const s = sub(inner);
        if (s.built) return s;
        return whole;
      }
    }
    // A helper of the same file that returns a built string.
    const root = n.tree.rootNode;
    const defs = functionsNamed(root, name);
    if (defs.length > 0 && depth < 4) {
      const shapes = defs.flatMap(returnsOf).map((r) => shapeOf(r, opts, depth + 2));
      if (shapes.some((s) => s.built)) {
        return {
          built: true,
          segs: [{ piece: n }, ...shapes.flatMap((s) => s.segs.filter((g) => 'text' in g))],
        };
      }
    }
    return whole;
  }

  if (n.type === 'identifier') {
    const fn = enclosingFunction(n);
    const scope = fn ?? n.tree.rootNode;
    const assigns = assignmentsTo(n.text, scope, n);
    if (assigns.length === 0) {
      if (fn) {
        const params = paramNames(fn);
        const index = params.findIndex((p) => p.includes(n.text));
        if (index >= 0) return { ...paramShape(n, fn, index, opts, depth), param: true };
      }
      const resolved = q.resolve(n);
      if (resolved.id !== n.id) {
        const s = sub(resolved);
        return s.built ? s : s.segs.every((g) => 'text' in g) ? s : whole;
      }
      return whole;
    }
    if (assigns.some((a) => a.value === null)) return whole;
    const shapes = assigns.map((a) => ({ a, s: sub(a.value as SyntaxNode) }));
    if (!shapes.some(({ a, s }) => s.built || a.augmented)) {
      // Only constants: keep the text; anything else is the variable as a whole.
      if (shapes.every(({ s }) => s.segs.every((g) => 'text' in g)))
        return { built: false, segs: shapes.flatMap(({ s }) => s.segs) };
      return whole;
    }
    return concat(shapes.map(({ s }) => s));
  }
  return whole;
}

function paramShape(n: SyntaxNode, fn: SyntaxNode, index: number, opts: ShapeOptions, depth: number): Shape {
  const whole: Shape = { built: false, segs: [{ piece: n }] };
  if (!opts.followParams) return whole;
  const name = functionName(fn);
  if (!name || depth > 4) return whole;
  const params = paramNames(fn);
  const selfish = params[0]?.[0] === 'self' || params[0]?.[0] === 'cls';
  const shapes: Shape[] = [];
  for (const c of callersOf(n.tree.rootNode, name)) {
    const p = callParts(c);
    if (!p) continue;
    const offset = selfish && p.receiver ? 1 : 0;
    const paramName = params[index]?.[0];
    const arg = (paramName ? p.kwargs.get(paramName) : undefined) ?? p.args[index - offset];
    if (arg) shapes.push(shapeOf(arg, opts, depth + 2));
  }
  if (!shapes.some((s) => s.built)) return whole;
  return { built: true, segs: [{ piece: n }, ...shapes.flatMap((s) => s.segs.filter((g) => 'text' in g))] };
}

export function textOf(shape: Shape): string {
  return shape.segs.map((s) => ('text' in s ? s.text : ' ? ')).join('');
}

export interface PlacedPiece {
  node: SyntaxNode;
  before: string;
  after: string;
}

export function placedPieces(shape: Shape): PlacedPiece[] {
  const out: PlacedPiece[] = [];
  shape.segs.forEach((s, i) => {
    if (!('piece' in s)) return;
    let before = '';
    for (let k = 0; k < i; k++) {
      const g = shape.segs[k] as Seg;
      before += 'text' in g ? g.text : ' ? ';
    }
    let after = '';
    for (let k = i + 1; k < shape.segs.length; k++) {
      const g = shape.segs[k] as Seg;
      if ('piece' in g) break;
      after += g.text;
    }
    out.push({ node: s.piece, before, after });
  });
  return out;
}

const EXITS =
  /^\s*(return|raise|throw|panic|continue|break\s+\w)|^\s*[\w.]*(abort|exit|fatal|Fatal|Exit)\w*\(/;

/**
 * `switch x { case "a", "b": default: return }` (Go), `switch (x) { case 'a': break; default: throw }` (JS),
 * `match x: case "a" | "b": ... case _: raise` (Python): after such a switch, `x` holds one of the case literals.
 */
export function validatedBySwitch(node: SyntaxNode): boolean {
  const n = unwrap(node);
  const fn = enclosingFunction(n);
  if (!fn || (n.type !== 'identifier' && !/member_expression|attribute|selector_expression/.test(n.type)))
    return false;
  const switches = fn.descendantsOfType([
    'expression_switch_statement',
    'switch_statement',
    'match_statement',
  ]);
  for (const sw of switches) {
    if (sw.endIndex > n.startIndex) continue;
    const subject = sw.childForFieldName('value') ?? sw.childForFieldName('subject') ?? sw.namedChildren[0];
    const subjectText = subject?.text.replace(/^\(|\)$/g, '').trim();
    if (subjectText !== n.text) continue;
    const clauses = sw.descendantsOfType(['default_case', 'switch_default', 'case_clause']);
    const fallback = clauses.find(
      (c) => c.type === 'default_case' || c.type === 'switch_default' || /^case\s+_\s*:/.test(c.text),
    );
    if (!fallback) continue;
    const body = fallback.text.replace(/^(default|case\s+_)\s*:/, '');
    const stmts = body
      .split(/[\n;]/)
      .map((l) => l.trim())
      .filter(Boolean);
    if (stmts.length > 0 && EXITS.test(stmts[stmts.length - 1] ?? '')) return true;
  }
  return false;
}

/**
 * Runs a detector callback so that a surprise in an unusual syntax tree costs one finding, not the file's
 * analysis (visitors are not isolated by the engine).
 */
export function guarded<A extends unknown[], R>(fn: (...args: A) => R, fallback: R): (...args: A) => R {
  return (...args: A) => {
    try {
      return fn(...args);
    } catch {
      return fallback;
    }
  };
}
