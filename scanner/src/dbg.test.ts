import { it } from 'vitest';
import { scanDirectory } from './scan-directory.js';
it('dbg', async () => {
  const r = await scanDirectory(process.env.D!, process.env.F ? { only: [process.env.F] } : {});
  console.log(JSON.stringify({ f: r.findings.map((f) => [f.ruleId, f.location.file, f.location.startLine, f.tool, f.message, f.trace.map(t=>t.line+':'+t.note).join(' > ')]), e: r.errors, s: r.surface.tools.map(t=>[t.name, t.parameters.map(p=>p.name+':'+p.type).join(',')]) }, null, 1));
});
