#!/usr/bin/env node
// Scaffolds a detector: node scanner/scripts/new-detector.mjs MCP-B004 symlink-escape python,typescript
// Creates src/detectors/<class>/<id>-<slug>/ with detector.ts, README.md and annotated fixture stubs,
// and adds the catalogue entry to src/detectors/index.ts. Fill in the taint rule and the fixtures next.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [id, slug, langList = 'python,javascript,typescript,go'] = process.argv.slice(2);
if (!/^MCP-[A-N]\d{3}$/.test(id ?? '') || !/^[a-z0-9-]+$/.test(slug ?? '')) {
  process.stderr.write('usage: new-detector.mjs MCP-X000 kebab-slug [python,javascript,typescript,go]\n');
  process.exit(2);
}
const languages = langList.split(',');
const cls = id.charAt(4);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'detectors');
const folder = `${id.toLowerCase()}-${slug}`;
const dir = join(root, cls.toLowerCase(), folder);
if (existsSync(dir)) {
  process.stderr.write(`${dir} exists\n`);
  process.exit(2);
}
const ext = { python: 'py', javascript: 'js', typescript: 'ts', go: 'go' };
const comment = { python: '#', javascript: '//', typescript: '//', go: '//' };
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, 'detector.ts'),
  `import { defineDetector } from '../../api.js';

export default defineDetector({
  id: '${id}',
  class: '${cls}',
  languages: [${languages.map((l) => `'${l}'`).join(', ')}],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-000'],
  title: 'TODO one-line title',
  remediation: 'TODO what to do instead, in one or two sentences.',
  taint: {
    sinkKind: '${slug}',
    sinks: [],
  },
});
`,
);
writeFileSync(
  join(dir, 'README.md'),
  `# ${id} — TODO title\n\nTODO: what it finds, what it does not, how to fix.\n`,
);
for (const lang of languages) {
  mkdirSync(join(dir, 'fixtures', lang), { recursive: true });
  const c = comment[lang];
  writeFileSync(
    join(dir, 'fixtures', lang, `example.${ext[lang]}`),
    `${c} TODO: a realistic MCP server; annotate the line before each sink.\n${c} expect: ${id}\n${c} ok: ${id}\n`,
  );
}
const indexPath = join(root, 'index.ts');
const index = readFileSync(indexPath, 'utf8');
const varName = `mcp${cls}${id.slice(5)}`;
const withImport = index.replace(
  /(import type \{ Detector \} from '\.\/api\.js';\n)/,
  `$1import ${varName} from './${cls.toLowerCase()}/${folder}/detector.js';\n`,
);
const withEntry = withImport.replace(
  /(export const DETECTORS: readonly Detector\[\] = \[)([^\]]*)\]/,
  (_, head, list) => {
    const items = list
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    items.push(varName);
    return `${head}${items.join(', ')}]`;
  },
);
writeFileSync(indexPath, withEntry);
process.stdout.write(
  `created ${dir}\nnext: write the taint rule, real fixtures, then npx biome check --write scanner && npx vitest run scanner/src/detectors\n`,
);
