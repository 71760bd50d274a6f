import type { SyntaxNode } from 'tree-sitter';
import type { AssignInfo, ImportBinding, LangAdapter, ParamInfo, RawCall } from './adapter.js';

const FUNCTION_TYPES = new Set(['function_declaration', 'method_declaration', 'func_literal']);
const LITERALS = new Set(['int_literal', 'float_literal', 'true', 'false', 'nil', 'rune_literal', 'iota']);

function goString(node: SyntaxNode): string | null {
  if (node.type === 'interpreted_string_literal' || node.type === 'raw_string_literal') {
    return node.text.slice(1, -1);
  }
  if (node.type === 'binary_expression' && node.childForFieldName('operator')?.text === '+') {
    const l = node.childForFieldName('left');
    const r = node.childForFieldName('right');
    const ls = l ? goString(l) : null;
    const rs = r ? goString(r) : null;
    return ls !== null && rs !== null ? ls + rs : null;
  }
  return null;
}

function unwrap(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.type === 'parenthesized_expression' && n.namedChildren[0]) n = n.namedChildren[0];
  return n;
}

function bindingNames(target: SyntaxNode): string[] {
  switch (target.type) {
    case 'identifier':
      return target.text === '_' ? [] : [target.text];
    case 'expression_list':
      return target.namedChildren.flatMap(bindingNames);
    case 'selector_expression':
    case 'index_expression': {
      let base: SyntaxNode | null = target;
      while (base && (base.type === 'selector_expression' || base.type === 'index_expression')) {
        base = base.childForFieldName('operand');
      }
      return base?.type === 'identifier' ? [base.text] : [];
    }
    case 'unary_expression': {
      const operand = target.childForFieldName('operand');
      return operand ? bindingNames(operand) : [];
    }
    default:
      return [];
  }
}

/** Go is the one language where the standard library is recognisable by its import path. */
function isGoStdlib(path: string): boolean {
  const first = path.split('/')[0] ?? '';
  return !first.includes('.');
}

export function createGoAdapter(): LangAdapter {
  return {
    language: 'go',
    commentPrefixes: ['//', '/*'],
    functionTypes: FUNCTION_TYPES,
    functionName(fn) {
      if (fn.type === 'func_literal') {
        const parent = fn.parent?.parent;
        if (parent?.type === 'short_var_declaration' || parent?.type === 'assignment_statement') {
          return parent.childForFieldName('left')?.namedChildren[0]?.text ?? null;
        }
        return null;
      }
      return fn.childForFieldName('name')?.text ?? null;
    },
    functionParams(fn) {
      const params: ParamInfo[] = [];
      for (const decl of fn.childForFieldName('parameters')?.namedChildren ?? []) {
        if (decl.type !== 'parameter_declaration' && decl.type !== 'variadic_parameter_declaration') continue;
        const typeText = decl.childForFieldName('type')?.text ?? null;
        const names = decl.childrenForFieldName('name');
        if (names.length === 0) {
          params.push({ index: params.length, name: null, names: [], node: decl, typeText, variadic: false });
        }
        for (const n of names) {
          params.push({
            index: params.length,
            name: n.text,
            names: [n.text],
            node: decl,
            typeText,
            variadic: decl.type === 'variadic_parameter_declaration',
          });
        }
      }
      return params;
    },
    functionBody(fn) {
      return fn.childForFieldName('body');
    },
    call(node): RawCall | null {
      if (node.type !== 'call_expression') return null;
      const calleeNode = node.childForFieldName('function');
      if (!calleeNode) return null;
      const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
        (a) => a.type !== 'comment',
      );
      const receiver =
        calleeNode.type === 'selector_expression' ? calleeNode.childForFieldName('operand') : null;
      return { node, calleeNode, args, kwargs: new Map(), receiver, isNew: false };
    },
    assignment(node): AssignInfo | null {
      if (node.type === 'short_var_declaration' || node.type === 'assignment_statement') {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        const op = node.childForFieldName('operator')?.text ?? ':=';
        if (!left) return null;
        const targets = left.namedChildren;
        const values = right?.namedChildren ?? [];
        // `a, b := f()` gives every target the call's taint; `a, b := x, y` is handled pairwise by
        // the engine through the single-value case below when the counts match.
        if (targets.length === 1 || values.length !== targets.length) {
          return {
            targets,
            value: values.length === 1 ? (values[0] ?? null) : right,
            augmented: op !== '=' && op !== ':=',
          };
        }
        return { targets, value: right, augmented: op !== '=' && op !== ':=' };
      }
      if (node.type === 'var_spec' || node.type === 'const_spec') {
        const names = node.childrenForFieldName('name');
        const value = node.childForFieldName('value');
        return {
          targets: names,
          value: value && value.namedChildren.length === 1 ? (value.namedChildren[0] ?? null) : value,
          augmented: false,
        };
      }
      return null;
    },
    bindingNames,
    imports(root) {
      const map = new Map<string, ImportBinding>();
      const specs = root.descendantsOfType('import_spec');
      for (const spec of specs) {
        const pathNode = spec.childForFieldName('path');
        if (!pathNode) continue;
        const path = pathNode.text.slice(1, -1);
        const alias = spec.childForFieldName('name')?.text;
        let local = path.split('/').pop() ?? path;
        // `gopkg.in/yaml.v3` and `.../v2` style paths name the package by the segment before.
        if (/^v\d+$/.test(local)) local = path.split('/').slice(-2, -1)[0] ?? local;
        local = local.replace(/\.v\d+$/, '').replace(/^go-/, '');
        if (alias === '_' || alias === '.') continue;
        map.set(alias ?? local, {
          target: path,
          local: !isGoStdlib(path) && !path.includes('github.com/mark3labs'),
        });
      }
      return map;
    },
    member(node) {
      const n = unwrap(node);
      if (n.type === 'selector_expression') {
        const object = n.childForFieldName('operand');
        const field = n.childForFieldName('field');
        return object && field ? { object, property: field.text } : null;
      }
      if (n.type === 'index_expression') {
        const object = n.childForFieldName('operand');
        const index = n.childForFieldName('index');
        const key = index ? goString(index) : null;
        return object && key !== null ? { object, property: key } : null;
      }
      if (n.type === 'type_assertion_expression') {
        const operand = n.childForFieldName('operand');
        return operand ? this.member(operand) : null;
      }
      return null;
    },
    isIdentifier(node) {
      return node.type === 'identifier';
    },
    isLiteral(node) {
      return LITERALS.has(node.type) || goString(node) !== null;
    },
    stringValue(node) {
      return goString(unwrap(node));
    },
    booleanValue(node) {
      const n = unwrap(node);
      return n.type === 'true' ? true : n.type === 'false' ? false : null;
    },
    elements(node) {
      const n = unwrap(node);
      if (n.type !== 'composite_literal') return null;
      const body = n.childForFieldName('body');
      if (!body) return null;
      return body.namedChildren
        .filter((c) => c.type === 'literal_element')
        .map((c) => c.namedChildren[0] ?? c);
    },
    property(node, key) {
      let n = unwrap(node);
      if (n.type === 'unary_expression') n = n.childForFieldName('operand') ?? n;
      if (n.type !== 'composite_literal') return null;
      for (const el of n.childForFieldName('body')?.namedChildren ?? []) {
        if (el.type !== 'keyed_element') continue;
        const [k, v] = el.namedChildren;
        if (k && v && (k.text === key || goString(k.namedChildren[0] ?? k) === key)) {
          return v.type === 'literal_element' ? (v.namedChildren[0] ?? v) : v;
        }
      }
      return null;
    },
    returnValue(node) {
      if (node.type !== 'return_statement') return undefined;
      return node.namedChildren[0] ?? null;
    },
    forBinding(node) {
      if (node.type !== 'for_statement') return null;
      const range = node.namedChildren.find((c) => c.type === 'range_clause');
      const left = range?.childForFieldName('left');
      const right = range?.childForFieldName('right');
      return left && right ? { targets: [left], iterable: right } : null;
    },
    ifParts(node) {
      if (node.type !== 'if_statement') return null;
      const condition = node.childForFieldName('condition');
      const consequence = node.childForFieldName('consequence');
      return condition && consequence ? { condition, consequence } : null;
    },
    isExit(node) {
      if (node.type === 'return_statement' || node.type === 'continue_statement') return true;
      if (node.type === 'expression_statement') {
        const call = node.namedChildren[0];
        const fn = call?.type === 'call_expression' ? call.childForFieldName('function')?.text : undefined;
        return fn === 'panic' || fn === 'log.Fatal' || fn === 'log.Fatalf' || fn === 'os.Exit';
      }
      return false;
    },
  };
}
