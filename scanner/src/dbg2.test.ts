import { it } from 'vitest';
import { createParserSet } from './parse/parsers.js';
import { collectFunctions, type FileContext } from './taint/file-context.js';
import { readFileSync } from 'node:fs';
it('dbg2', () => {
  const ps = createParserSet();
  const text = readFileSync('/tmp/t1/t.mjs', 'utf8');
  const tree = ps.parse('javascript', text, 1000)!;
  const a = ps.adapter('javascript');
  const ctx = { path: 't.mjs', language: 'javascript', adapter: a, root: tree.rootNode, text, imports: a.imports(tree.rootNode), dir: '.', moduleDefs: new Map(), moduleEnv: new Map(), functions: [] } as FileContext;
  ctx.functions = collectFunctions(ctx);
  console.log(ctx.functions.map((f) => [f.name, f.params.map((p) => p.names), f.node.type]));
  console.log([...ctx.imports]);
});
