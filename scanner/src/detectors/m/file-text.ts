import type { SyntaxNode } from 'tree-sitter';

const cache = new WeakMap<SyntaxNode, string>();

/** The whole source text of the file that holds `node`. */
export function fileTextOf(node: SyntaxNode): string {
  let root = node;
  while (root.parent) root = root.parent;
  let text = cache.get(root);
  if (text === undefined) {
    text = root.text;
    cache.set(root, text);
  }
  return text;
}

/** Does the file start an MCP server on the stdio transport? */
export function servesStdio(text: string, language: string): boolean {
  if (language === 'go') return /\bServeStdio\s*\(|mcp\.StdioTransport\b|NewStdioTransport\s*\(/.test(text);
  if (language === 'python')
    return (
      /\bstdio_server\s*\(/.test(text) ||
      /\b(mcp|server|app)\.run\(\s*(transport\s*=\s*["']stdio["'])?\s*\)/.test(text) ||
      /\.run_stdio_async\s*\(/.test(text)
    );
  return /\bStdioServerTransport\b/.test(text);
}
