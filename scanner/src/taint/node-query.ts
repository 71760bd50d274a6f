import type { SyntaxNode } from 'tree-sitter';
import type { NodeQuery } from '../detectors/api.js';
import type { LangAdapter } from '../lang/adapter.js';
import type { DefLookup } from './callee.js';

export function createNodeQuery(
  adapter: LangAdapter,
  lookupDef: DefLookup,
  isMutated: (name: string) => boolean = () => false,
): NodeQuery {
  const resolve = (node: SyntaxNode): SyntaxNode => {
    let n = node;
    // A variable changed after its literal (append, +=) no longer stands for that literal.
    for (let i = 0; i < 4 && adapter.isIdentifier(n) && !isMutated(n.text); i++) {
      const def = lookupDef(n.text);
      if (!def || def.id === n.id) break;
      n = def;
    }
    return n;
  };
  const isConstant = (node: SyntaxNode): boolean => {
    const n = resolve(node);
    if (adapter.isLiteral(n)) return true;
    if (adapter.isIdentifier(n)) return /^[A-Z][A-Z0-9_]*$/.test(n.text);
    const els = adapter.elements(n);
    if (els) return els.every(isConstant);
    if (n.type === 'binary_expression' || n.type === 'binary_operator' || n.type === 'concatenated_string') {
      return n.namedChildren.every(isConstant);
    }
    return false;
  };
  return {
    resolve,
    grownList: (node) => {
      if (!adapter.isIdentifier(node) || !isMutated(node.text)) return null;
      const def = lookupDef(node.text);
      return def ? adapter.elements(def) : null;
    },
    stringValue: (node) => adapter.stringValue(resolve(node)),
    elements: (node) => adapter.elements(resolve(node)),
    property: (node, key) => adapter.property(resolve(node), key),
    booleanValue: (node) => adapter.booleanValue(resolve(node)),
    isConstant,
    text: (node) => node.text,
    location: (node) => ({
      file: '',
      startLine: node.startPosition.row + 1,
      startColumn: node.startPosition.column + 1,
      endLine: node.endPosition.row + 1,
      endColumn: node.endPosition.column + 1,
    }),
  };
}
