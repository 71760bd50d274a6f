/** Call resolution inside the scanned project: the call graph behind the function summaries. */
import type { CallView } from '../detectors/api.js';
import type { Language, ScanMode } from '../types.js';
import type { FileContext, FunctionRecord } from './file-context.js';

function family(language: Language): string {
  return language === 'typescript' ? 'javascript' : language;
}

export interface FunctionIndex {
  resolve(file: FileContext, call: CallView): FunctionRecord[];
  byName(file: FileContext, name: string): FunctionRecord[];
}

export function buildFunctionIndex(files: readonly FileContext[], mode: ScanMode): FunctionIndex {
  const index = new Map<string, FunctionRecord[]>();
  for (const file of files) {
    for (const fn of file.functions) {
      if (!fn.name) continue;
      const key = `${family(file.language)}:${fn.name}`;
      const list = index.get(key) ?? [];
      list.push(fn);
      index.set(key, list);
    }
  }
  const lookup = (
    file: FileContext,
    name: string,
    scope: 'file' | 'package' | 'project',
    methodsOnly = false,
  ) => {
    const all = index.get(`${family(file.language)}:${name}`) ?? [];
    const ok = (f: FunctionRecord) => !methodsOnly || f.isMethod;
    const same = all.filter((f) => f.file === file && ok(f));
    if (same.length > 0 || scope === 'file' || mode === 'fast') return same;
    const pkg = all.filter((f) => f.file.dir === file.dir && ok(f));
    if (pkg.length > 0 || scope === 'package') return pkg;
    return all.filter(ok);
  };
  return {
    byName(file, name) {
      return lookup(file, name, 'project');
    },
    resolve(file, call) {
      const raw = call.rawCallee;
      const parts = raw.split('.');
      const head = parts[0] ?? '';
      const name = (parts[parts.length - 1] ?? '').replace(/\(\)$/, '');
      if (!name || name === '?') return [];
      const binding = file.imports.get(head.replace(/\(\)$/, ''));
      if (parts.length === 1) {
        if (binding) return binding.local ? lookup(file, binding.target, 'project') : [];
        return lookup(file, name, file.language === 'go' ? 'package' : 'file');
      }
      if (binding) return binding.local ? lookup(file, name, 'project') : [];
      if (head === 'this' || head === 'self' || head === 'cls') return lookup(file, name, 'file', true);
      // obj.method(), Runner().go(): only methods, and only within the package, to keep false edges rare.
      return lookup(file, name, 'package', true);
    },
  };
}
