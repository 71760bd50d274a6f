import type { SyntaxNode } from 'tree-sitter';
import type { AssignInfo, ImportBinding, LangAdapter, ParamInfo, RawCall } from './adapter.js';

const FUNCTION_TYPES = new Set(['function_definition', 'lambda']);
const LITERALS = new Set(['integer', 'float', 'true', 'false', 'none', 'ellipsis']);

function pyString(node: SyntaxNode): string | null {
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.map(pyString);
    return parts.every((p) => p !== null) ? parts.join('') : null;
  }
  if (node.type !== 'string') return null;
  if (node.namedChildren.some((c) => c.type === 'interpolation')) return null;
  return node.namedChildren
    .filter((c) => c.type === 'string_content' || c.type === 'escape_sequence')
    .map((c) => c.text)
    .join('');
}

function unwrap(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.type === 'parenthesized_expression' && n.namedChildren[0]) n = n.namedChildren[0];
  return n;
}

function bindingNames(target: SyntaxNode): string[] {
  switch (target.type) {
    case 'identifier':
      return [target.text];
    case 'pattern_list':
    case 'tuple_pattern':
    case 'list_pattern':
    case 'tuple':
    case 'list':
    case 'expression_list':
      return target.namedChildren.flatMap(bindingNames);
    case 'list_splat_pattern':
    case 'dictionary_splat_pattern':
    case 'list_splat':
      return target.namedChildren.flatMap(bindingNames);
    case 'attribute':
    case 'subscript': {
      let base: SyntaxNode | null = target;
      while (base && (base.type === 'attribute' || base.type === 'subscript')) {
        base = base.childForFieldName(base.type === 'attribute' ? 'object' : 'value');
      }
      return base?.type === 'identifier' ? [base.text] : [];
    }
    default:
      return [];
  }
}

function paramName(p: SyntaxNode): { name: string | null; typeText: string | null } {
  switch (p.type) {
    case 'identifier':
      return { name: p.text, typeText: null };
    case 'typed_parameter': {
      // `*args: str` nests the splat inside the typed parameter.
      const id = p.namedChildren.find((c) => c.type === 'identifier');
      const splat = p.namedChildren.find(
        (c) => c.type === 'list_splat_pattern' || c.type === 'dictionary_splat_pattern',
      );
      const name = id?.text ?? splat?.namedChildren.find((c) => c.type === 'identifier')?.text ?? null;
      return { name, typeText: p.childForFieldName('type')?.text ?? null };
    }
    case 'default_parameter':
    case 'typed_default_parameter':
      return {
        name: p.childForFieldName('name')?.text ?? null,
        typeText: p.childForFieldName('type')?.text ?? null,
      };
    case 'list_splat_pattern':
    case 'dictionary_splat_pattern': {
      const id = p.namedChildren.find((c) => c.type === 'identifier');
      return { name: id?.text ?? null, typeText: null };
    }
    default:
      return { name: null, typeText: null };
  }
}

export function createPythonAdapter(): LangAdapter {
  return {
    language: 'python',
    commentPrefixes: ['#'],
    functionTypes: FUNCTION_TYPES,
    functionName(fn) {
      if (fn.type === 'lambda') {
        const parent = fn.parent;
        if (parent?.type === 'assignment') return parent.childForFieldName('left')?.text ?? null;
        return null;
      }
      return fn.childForFieldName('name')?.text ?? null;
    },
    functionParams(fn) {
      const list = fn.childForFieldName('parameters')?.namedChildren ?? [];
      const params: ParamInfo[] = [];
      for (const p of list) {
        if (p.type === 'keyword_separator' || p.type === 'positional_separator' || p.type === 'comment')
          continue;
        const { name, typeText } = paramName(p);
        params.push({
          index: params.length,
          name,
          names: name ? [name] : [],
          node: p,
          typeText,
          variadic:
            p.type === 'list_splat_pattern' || p.namedChildren.some((c) => c.type === 'list_splat_pattern'),
        });
      }
      return params;
    },
    functionBody(fn) {
      return fn.childForFieldName('body');
    },
    call(node): RawCall | null {
      if (node.type !== 'call') return null;
      const calleeNode = node.childForFieldName('function');
      if (!calleeNode) return null;
      const argsNode = node.childForFieldName('arguments');
      const args: SyntaxNode[] = [];
      const kwargs = new Map<string, SyntaxNode>();
      for (const a of argsNode?.namedChildren ?? []) {
        if (a.type === 'comment') continue;
        if (a.type === 'keyword_argument') {
          const name = a.childForFieldName('name')?.text;
          const value = a.childForFieldName('value');
          if (name && value) kwargs.set(name, value);
        } else {
          args.push(a);
        }
      }
      const receiver = calleeNode.type === 'attribute' ? calleeNode.childForFieldName('object') : null;
      return { node, calleeNode, args, kwargs, receiver, isNew: false };
    },
    assignment(node): AssignInfo | null {
      if (node.type === 'assignment' || node.type === 'augmented_assignment') {
        const left = node.childForFieldName('left');
        if (!left) return null;
        return {
          targets: [left],
          value: node.childForFieldName('right'),
          augmented:
            node.type === 'augmented_assignment' || left.type === 'attribute' || left.type === 'subscript',
        };
      }
      if (node.type === 'named_expression') {
        const name = node.childForFieldName('name');
        return name ? { targets: [name], value: node.childForFieldName('value'), augmented: false } : null;
      }
      if (node.type === 'as_pattern') {
        // with open(p) as f: — f carries what open() returned.
        const alias = node.childForFieldName('alias');
        const value = node.namedChildren[0];
        return alias && value ? { targets: [alias], value, augmented: false } : null;
      }
      return null;
    },
    bindingNames(target) {
      return target.type === 'as_pattern_target'
        ? target.namedChildren.flatMap(bindingNames)
        : bindingNames(target);
    },
    imports(root) {
      const map = new Map<string, ImportBinding>();
      const visit = (stmt: SyntaxNode) => {
        if (stmt.type === 'import_statement') {
          for (const n of stmt.namedChildren) {
            if (n.type === 'dotted_name') {
              const head = n.text.split('.')[0] ?? n.text;
              map.set(head, { target: head, local: false });
            } else if (n.type === 'aliased_import') {
              const name = n.childForFieldName('name')?.text;
              const alias = n.childForFieldName('alias')?.text;
              if (name && alias) map.set(alias, { target: name, local: false });
            }
          }
        } else if (stmt.type === 'import_from_statement') {
          const moduleNode = stmt.childForFieldName('module_name');
          const mod = moduleNode?.text ?? '';
          const local = moduleNode?.type === 'relative_import';
          for (const n of stmt.childrenForFieldName('name')) {
            let name: string | undefined;
            let alias: string | undefined;
            if (n.type === 'dotted_name') {
              name = n.text;
              alias = n.text;
            } else if (n.type === 'aliased_import') {
              name = n.childForFieldName('name')?.text;
              alias = n.childForFieldName('alias')?.text;
            }
            if (name && alias) map.set(alias, { target: local ? name : `${mod}.${name}`, local });
          }
        } else if (stmt.type === 'if_statement' || stmt.type === 'try_statement' || stmt.type === 'block') {
          for (const c of stmt.namedChildren) visit(c);
        } else if (stmt.type === 'except_clause' || stmt.type === 'else_clause') {
          for (const c of stmt.namedChildren) visit(c);
        }
      };
      for (const stmt of root.namedChildren) visit(stmt);
      return map;
    },
    member(node) {
      const n = unwrap(node);
      if (n.type === 'attribute') {
        const object = n.childForFieldName('object');
        const attr = n.childForFieldName('attribute');
        return object && attr ? { object, property: attr.text } : null;
      }
      if (n.type === 'subscript') {
        const object = n.childForFieldName('value');
        const index = n.childForFieldName('subscript');
        const key = index ? pyString(index) : null;
        return object && key !== null ? { object, property: key } : null;
      }
      return null;
    },
    isIdentifier(node) {
      return node.type === 'identifier';
    },
    isLiteral(node) {
      return LITERALS.has(node.type) || pyString(node) !== null;
    },
    stringValue(node) {
      return pyString(unwrap(node));
    },
    booleanValue(node) {
      const n = unwrap(node);
      return n.type === 'true' ? true : n.type === 'false' ? false : null;
    },
    elements(node) {
      const n = unwrap(node);
      return n.type === 'list' || n.type === 'tuple'
        ? n.namedChildren.filter((c) => c.type !== 'comment')
        : null;
    },
    property(node, key) {
      const n = unwrap(node);
      if (n.type === 'dictionary') {
        for (const p of n.namedChildren) {
          if (p.type !== 'pair') continue;
          const k = p.childForFieldName('key');
          if (k && pyString(k) === key) return p.childForFieldName('value');
        }
      }
      if (n.type === 'call') {
        for (const a of n.childForFieldName('arguments')?.namedChildren ?? []) {
          if (a.type === 'keyword_argument' && a.childForFieldName('name')?.text === key) {
            return a.childForFieldName('value');
          }
        }
      }
      return null;
    },
    returnValue(node) {
      if (node.type !== 'return_statement') return undefined;
      return node.namedChildren[0] ?? null;
    },
    forBinding(node) {
      if (node.type !== 'for_statement' && node.type !== 'for_in_clause') return null;
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
        node.type === 'raise_statement' ||
        node.type === 'continue_statement'
      );
    },
  };
}
