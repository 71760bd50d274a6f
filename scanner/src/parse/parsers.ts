/** Tree-sitter parsers, one set per scan (parsers are stateful, so never shared at module level). */
import Parser, { type Tree } from 'tree-sitter';
import Go from 'tree-sitter-go';
import JavaScript from 'tree-sitter-javascript';
import Python from 'tree-sitter-python';
import TypeScript from 'tree-sitter-typescript';
import type { LangAdapter } from '../lang/adapter.js';
import { createGoAdapter } from '../lang/go.js';
import { createJavaScriptAdapter } from '../lang/javascript.js';
import { createPythonAdapter } from '../lang/python.js';
import type { Language } from '../types.js';

type GrammarKey = 'python' | 'javascript' | 'typescript' | 'tsx' | 'go';

const EXTENSIONS: Record<string, GrammarKey> = {
  '.py': 'python',
  '.pyw': 'python',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.go': 'go',
};

export function grammarForPath(path: string): GrammarKey | null {
  if (path.endsWith('.d.ts')) return null;
  const dot = path.lastIndexOf('.');
  return dot < 0 ? null : (EXTENSIONS[path.slice(dot).toLowerCase()] ?? null);
}

export function languageOfGrammar(key: GrammarKey): Language {
  return key === 'tsx' ? 'typescript' : key;
}

export interface ParserSet {
  parse(key: GrammarKey, text: string, timeoutMs: number): Tree | null;
  adapter(language: Language): LangAdapter;
}

// biome-ignore lint/suspicious/noExplicitAny: grammar objects are untyped native handles
function grammar(key: GrammarKey): any {
  switch (key) {
    case 'python':
      return Python;
    case 'javascript':
      return JavaScript;
    case 'typescript':
      return TypeScript.typescript;
    case 'tsx':
      return TypeScript.tsx;
    case 'go':
      return Go;
  }
}

export type { GrammarKey };

export function createParserSet(): ParserSet {
  const parsers = new Map<GrammarKey, Parser>();
  const adapters: Record<Language, LangAdapter> = {
    python: createPythonAdapter(),
    javascript: createJavaScriptAdapter('javascript'),
    typescript: createJavaScriptAdapter('typescript'),
    go: createGoAdapter(),
  };
  return {
    parse(key, text, timeoutMs) {
      let parser = parsers.get(key);
      if (!parser) {
        parser = new Parser();
        parser.setLanguage(grammar(key));
        parsers.set(key, parser);
      }
      parser.setTimeoutMicros(Math.max(1, Math.floor(timeoutMs * 1000)));
      // The Node binding rejects inputs of 32 KiB+ unless the transfer buffer is sized for them.
      const tree = parser.parse(text, undefined, { bufferSize: text.length * 2 + 1 });
      // A timed-out parse leaves the parser mid-way; reset so the next file starts clean.
      if (!tree) parser.reset();
      return tree ?? null;
    },
    adapter(language) {
      return adapters[language];
    },
  };
}
