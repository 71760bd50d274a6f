/** JavaScript, TypeScript and TSX share one adapter: the TS grammar extends the JS one. */
import type { SyntaxNode } from 'tree-sitter';
import type { Language } from '../types.js';
import type { AssignInfo, ImportBinding, LangAdapter, ParamInfo, RawCall } from './adapter.js';

const FUNCTION_TYPES = new Set([
  'function_declaration',
  'function_expression',
  'arrow_function',
  'method_definition',
  'generator_function_declaration',
  'generator_function',
]);
const LITERALS = new Set(['number', 'true', 'false', 'null', 'undefined', 'regex']);

function stripNodePrefix(spec: string): string {
  return spec.startsWith('node:') ? spec.slice(5) : spec;
}

function isRelative(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('/');
}

function jsString(node: SyntaxNode): string | null {
  if (node.type === 'string') {
    return node.text.slice(1, -1);
  }
  if (
    node.type === 'template_string' &&
    !node.namedChildren.some((c) => c.type === 'template_substitution')
  ) {
    return node.text.slice(1, -1);
  }
  return null;
}

function requireTarget(node: SyntaxNode | null): string | null {
  if (node?.type !== 'call_expression') return null;
  const fn = node.childForFieldName('function');
  if (fn?.text !== 'require') return null;
  const arg = node.childForFieldName('arguments')?.namedChildren[0];
  const spec = arg ? jsString(arg) : null;
  return spec;
}

function unwrap(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (
    n.type === 'parenthesized_expression' ||
    n.type === 'as_expression' ||
    n.type === 'non_null_expression' ||
    n.type === 'satisfies_expression' ||
    n.type === 'type_assertion'
  ) {
    const inner = n.namedChildren[0];
    if (!inner) break;
    n = inner;
  }
  return n;
}

function bindingNames(target: SyntaxNode): string[] {
  switch (target.type) {
    case 'identifier':
    case 'shorthand_property_identifier_pattern':
    case 'this':
      return [target.text];
    case 'object_pattern':
    case 'array_pattern':
      return target.namedChildren.flatMap(bindingNames);
    case 'pair_pattern': {
      const value = target.childForFieldName('value');
      return value ? bindingNames(value) : [];
    }
    case 'object_assignment_pattern':
    case 'assignment_pattern': {
      const left = target.childForFieldName('left') ?? target.namedChildren[0];
      return left ? bindingNames(left) : [];
    }
    case 'rest_pattern':
    case 'required_parameter':
    case 'optional_parameter': {
      const inner = target.childForFieldName('pattern') ?? target.namedChildren[0];
      return inner ? bindingNames(inner) : [];
    }
    case 'member_expression':
    case 'subscript_expression': {
      // Writing a field taints the whole object (weak update).
      let base: SyntaxNode | null = target;
      while (base && (base.type === 'member_expression' || base.type === 'subscript_expression')) {
        base = base.childForFieldName('object');
      }
      return base && (base.type === 'identifier' || base.type === 'this') ? [base.text] : [];
    }
    default:
      return [];
  }
}

export function createJavaScriptAdapter(language: Language): LangAdapter {
  return {
    language,
    commentPrefixes: ['//', '/*'],
    functionTypes: FUNCTION_TYPES,
    functionName(fn) {
      const name = fn.childForFieldName('name');
      if (name) return name.text;
      const parent = fn.parent;
      if (parent?.type === 'variable_declarator') return parent.childForFieldName('name')?.text ?? null;
      if (parent?.type === 'pair') return parent.childForFieldName('key')?.text ?? null;
      if (parent?.type === 'assignment_expression') {
        const left = parent.childForFieldName('left');
        if (left?.type === 'member_expression') return left.childForFieldName('property')?.text ?? null;
        return left?.text ?? null;
      }
      return null;
    },
    functionParams(fn) {
      const single = fn.childForFieldName('parameter');
      const list = single ? [single] : (fn.childForFieldName('parameters')?.namedChildren ?? []);
      const params: ParamInfo[] = [];
      for (const p of list) {
        if (p.type === 'comment') continue;
        let pattern = p;
        let typeText: string | null = null;
        if (p.type === 'required_parameter' || p.type === 'optional_parameter') {
          pattern = p.childForFieldName('pattern') ?? p;
          typeText = p.childForFieldName('type')?.text.replace(/^:\s*/, '') ?? null;
        }
        if (pattern.type === 'assignment_pattern') pattern = pattern.childForFieldName('left') ?? pattern;
        const names = bindingNames(pattern);
        const rest = pattern.type === 'rest_pattern';
        const restName = rest ? pattern.namedChildren[0] : null;
        params.push({
          index: params.length,
          name:
            pattern.type === 'identifier'
              ? pattern.text
              : restName?.type === 'identifier'
                ? restName.text
                : null,
          names,
          node: p,
          typeText,
          variadic: rest,
        });
      }
      return params;
    },
    functionBody(fn) {
      return fn.childForFieldName('body');
    },
    call(node): RawCall | null {
      if (node.type !== 'call_expression' && node.type !== 'new_expression') return null;
      const isNew = node.type === 'new_expression';
      const calleeNode = node.childForFieldName(isNew ? 'constructor' : 'function');
      if (!calleeNode) return null;
      const argsNode = node.childForFieldName('arguments');
      const args =
        argsNode?.type === 'template_string'
          ? [argsNode]
          : (argsNode?.namedChildren ?? []).filter((a) => a.type !== 'comment');
      const callee = unwrap(calleeNode);
      const receiver = callee.type === 'member_expression' ? callee.childForFieldName('object') : null;
      return { node, calleeNode: callee, args, kwargs: new Map(), receiver, isNew };
    },
    assignment(node): AssignInfo | null {
      if (node.type === 'variable_declarator') {
        const name = node.childForFieldName('name');
        return name ? { targets: [name], value: node.childForFieldName('value'), augmented: false } : null;
      }
      if (node.type === 'assignment_expression' || node.type === 'augmented_assignment_expression') {
        const left = node.childForFieldName('left');
        return left
          ? {
              targets: [left],
              value: node.childForFieldName('right'),
              augmented: node.type === 'augmented_assignment_expression' || left.type !== 'identifier',
            }
          : null;
      }
      return null;
    },
    bindingNames,
    imports(root) {
      const map = new Map<string, ImportBinding>();
      for (const stmt of root.namedChildren) {
        if (stmt.type === 'import_statement') {
          const source = stmt.childForFieldName('source');
          const spec = source ? jsString(source) : null;
          if (spec === null) continue;
          const mod = stripNodePrefix(spec);
          const local = isRelative(spec);
          const clause = stmt.namedChildren.find((c) => c.type === 'import_clause');
          for (const part of clause?.namedChildren ?? []) {
            if (part.type === 'identifier') map.set(part.text, { target: local ? part.text : mod, local });
            if (part.type === 'namespace_import') {
              const id = part.namedChildren.find((c) => c.type === 'identifier');
              if (id) map.set(id.text, { target: local ? id.text : mod, local });
            }
            if (part.type === 'named_imports') {
              for (const spec of part.namedChildren.filter((c) => c.type === 'import_specifier')) {
                const name = spec.childForFieldName('name')?.text;
                const alias = spec.childForFieldName('alias')?.text ?? name;
                if (name && alias) map.set(alias, { target: local ? name : `${mod}.${name}`, local });
              }
            }
          }
        }
        if (stmt.type === 'lexical_declaration' || stmt.type === 'variable_declaration') {
          for (const decl of stmt.namedChildren.filter((c) => c.type === 'variable_declarator')) {
            const value = unwrap(decl.childForFieldName('value') ?? decl);
            const name = decl.childForFieldName('name');
            if (!name) continue;
            let spec = requireTarget(value);
            let member: string | null = null;
            if (spec === null && value.type === 'member_expression') {
              spec = requireTarget(value.childForFieldName('object'));
              member = value.childForFieldName('property')?.text ?? null;
            }
            if (spec === null) continue;
            const mod = stripNodePrefix(spec);
            const local = isRelative(spec);
            const base = member ? `${mod}.${member}` : mod;
            if (name.type === 'identifier') map.set(name.text, { target: local ? name.text : base, local });
            if (name.type === 'object_pattern') {
              for (const p of name.namedChildren) {
                if (p.type === 'shorthand_property_identifier_pattern') {
                  map.set(p.text, { target: local ? p.text : `${base}.${p.text}`, local });
                } else if (p.type === 'pair_pattern') {
                  const key = p.childForFieldName('key')?.text;
                  const val = p.childForFieldName('value');
                  if (key && val?.type === 'identifier') {
                    map.set(val.text, { target: local ? key : `${base}.${key}`, local });
                  }
                }
              }
            }
          }
        }
      }
      return map;
    },
    member(node) {
      const n = unwrap(node);
      if (n.type === 'member_expression') {
        const object = n.childForFieldName('object');
        const prop = n.childForFieldName('property');
        return object && prop ? { object, property: prop.text } : null;
      }
      if (n.type === 'subscript_expression') {
        const object = n.childForFieldName('object');
        const index = n.childForFieldName('index');
        const key = index ? jsString(index) : null;
        return object && key !== null ? { object, property: key } : null;
      }
      return null;
    },
    isIdentifier(node) {
      return node.type === 'identifier' || node.type === 'shorthand_property_identifier';
    },
    isLiteral(node) {
      return LITERALS.has(node.type) || jsString(node) !== null;
    },
    stringValue(node) {
      return jsString(unwrap(node));
    },
    booleanValue(node) {
      const n = unwrap(node);
      return n.type === 'true' ? true : n.type === 'false' ? false : null;
    },
    elements(node) {
      const n = unwrap(node);
      return n.type === 'array' ? n.namedChildren.filter((c) => c.type !== 'comment') : null;
    },
    property(node, key) {
      const n = unwrap(node);
      if (n.type !== 'object') return null;
      for (const p of n.namedChildren) {
        if (p.type === 'pair') {
          const k = p.childForFieldName('key');
          const kText = k ? (jsString(k) ?? k.text) : null;
          if (kText === key) return p.childForFieldName('value');
        }
        if (p.type === 'shorthand_property_identifier' && p.text === key) return p;
      }
      return null;
    },
    returnValue(node) {
      if (node.type !== 'return_statement') return undefined;
      return node.namedChildren[0] ?? null;
    },
    forBinding(node) {
      if (node.type !== 'for_in_statement') return null;
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      return left && right ? { targets: [left], iterable: right } : null;
    },
    ifParts(node) {
      if (node.type !== 'if_statement') return null;
      const condition = node.childForFieldName('condition');
      const consequence = node.childForFieldName('consequence');
      return condition && consequence ? { condition, consequence } : null;
    },
    isExit(node) {
      return (
        node.type === 'return_statement' ||
        node.type === 'throw_statement' ||
        node.type === 'continue_statement'
      );
    },
  };
}
