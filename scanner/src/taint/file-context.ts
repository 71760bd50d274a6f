/** Everything the analyses know about one parsed file. */
import type { SyntaxNode } from 'tree-sitter';
import type { ImportBinding, LangAdapter, ParamInfo } from '../lang/adapter.js';
import type { Language } from '../types.js';
import type { Taint } from './labels.js';

export interface FunctionRecord {
  /** `file:line:column`, unique within a scan. */
  id: string;
  file: FileContext;
  node: SyntaxNode;
  name: string | null;
  isMethod: boolean;
  params: ParamInfo[];
}

export interface FileContext {
  path: string;
  language: Language;
  adapter: LangAdapter;
  root: SyntaxNode;
  text: string;
  imports: Map<string, ImportBinding>;
  /** Directory of the file: Go's package boundary, and the scope of cross-file lookups. */
  dir: string;
  /** Module-level variables: last assigned value and taint, filled by the top-level pass. */
  moduleDefs: Map<string, SyntaxNode>;
  moduleEnv: Map<string, Taint>;
  functions: FunctionRecord[];
  /** Per-node facts computed once per scan (e.g. "this body contains a loop"). */
  memo: Map<string, boolean>;
}

/** Node ids are unique within a scan (see ast/js-tree.ts), across files too. */
export function nodeKey(node: SyntaxNode): string {
  return String(node.id);
}

function isMethodNode(fn: SyntaxNode): boolean {
  if (fn.type === 'method_definition' || fn.type === 'method_declaration') return true;
  if (fn.type === 'function_definition') {
    let p = fn.parent;
    if (p?.type === 'decorated_definition') p = p.parent;
    return p?.type === 'block' && p.parent?.type === 'class_definition';
  }
  return false;
}

export function collectFunctions(file: FileContext): FunctionRecord[] {
  const out: FunctionRecord[] = [];
  const types = [...file.adapter.functionTypes];
  for (const node of file.root.descendantsOfType(types)) {
    out.push({
      id: `${file.path}:${node.startPosition.row + 1}:${node.startPosition.column + 1}`,
      file,
      node,
      name: file.adapter.functionName(node),
      isMethod: isMethodNode(node),
      params: file.adapter.functionParams(node),
    });
  }
  return out;
}
