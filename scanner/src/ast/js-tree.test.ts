import type { SyntaxNode } from 'tree-sitter';
import { describe, expect, it } from 'vitest';
import { createParserSet } from '../parse/parsers.js';
import { toJsTree } from './js-tree.js';

function same(a: SyntaxNode, b: SyntaxNode): void {
  expect(b.type).toBe(a.type);
  expect(b.text).toBe(a.text);
  expect(b.startPosition).toEqual(a.startPosition);
  expect(b.endIndex).toBe(a.endIndex);
  expect(b.namedChildren.length).toBe(a.namedChildren.length);
  for (const field of ['name', 'body', 'function', 'arguments', 'left', 'right', 'value']) {
    expect(b.childForFieldName(field)?.text).toBe(a.childForFieldName(field)?.text);
  }
  a.namedChildren.forEach((c, i) => {
    same(c, b.namedChildren[i] as SyntaxNode);
  });
}

describe('toJsTree', () => {
  it('mirrors the native tree: types, text, positions and fields, with non-BMP text', () => {
    const text = 'é = "😀"\ndef f(a, *b):\n    return g(a, key=b)  # c\nx = [1, (2)]\n';
    const parsers = createParserSet();
    const tree = parsers.parse('python', text, 1000);
    if (!tree) throw new Error('parse failed');
    const { root, nextId } = toJsTree(tree, text, 100);
    same(tree.rootNode, root);
    expect(nextId).toBeGreaterThan(110);
    expect(root.descendantsOfType('call').map((n) => n.text)).toEqual(['g(a, key=b)']);
    expect(root.descendantsOfType(['identifier']).length).toBe(
      tree.rootNode.descendantsOfType('identifier').length,
    );
    expect(root.descendantForPosition({ row: 2, column: 11 }).text).toBe('g');
    expect(root.toString()).toBe(tree.rootNode.toString());
  });
});
