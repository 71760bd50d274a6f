/** Canonical callee names: local aliases replaced by what they were imported or built from. */
import type { SyntaxNode } from 'tree-sitter';
import type { LangAdapter } from '../lang/adapter.js';
import type { FileContext } from './file-context.js';

/** The callee path as written, with call arguments dropped: `template.New().Parse`. */
export function rawPath(node: SyntaxNode, adapter: LangAdapter): string {
  const member = adapter.member(node);
  if (member) return `${rawPath(member.object, adapter)}.${member.property}`;
  if (node.type === 'import') return 'import'; // dynamic import(…)
  if (adapter.isIdentifier(node) || node.type === 'this' || node.type === 'package_identifier')
    return node.text;
  if (node.type === 'parenthesized_expression' || node.type === 'await_expression' || node.type === 'await') {
    const inner = node.namedChildren[0];
    return inner ? rawPath(inner, adapter) : '?';
  }
  const call = adapter.call(node);
  if (call) {
    const callee = rawPath(call.calleeNode, adapter);
    if (callee === 'require' && call.args[0]) {
      const spec = adapter.stringValue(call.args[0]);
      if (spec !== null) return spec.replace(/^node:/, '');
    }
    return `${callee}()`;
  }
  return '?';
}

export type DefLookup = (name: string) => SyntaxNode | undefined;

/** Replaces the head of a raw path by its import target or by the call it was assigned from. */
export function canonicalPath(raw: string, file: FileContext, lookupDef: DefLookup, depth = 0): string {
  const m = /^[^.(]+/.exec(raw);
  if (!m) return raw;
  const head = m[0];
  const rest = raw.slice(head.length);
  const binding = file.imports.get(head);
  if (binding) return binding.local ? raw : `${binding.target}${rest}`;
  if (depth > 3) return raw;
  const def = lookupDef(head);
  if (!def) return raw;
  if (def.type === 'shorthand_property_identifier_pattern' || def.type === 'pair_pattern') {
    // `const { exec } = childProcess`, `const { exec: run } = childProcess` → childProcess.exec
    const value = def.parent?.parent?.childForFieldName('value');
    const key = def.type === 'pair_pattern' ? def.childForFieldName('key')?.text : def.text;
    if (!value || !key) return raw;
    const base = canonicalPath(rawPath(value, file.adapter), file, lookupDef, depth + 1);
    return `${base}.${key}${rest}`;
  }
  const call = file.adapter.call(def);
  if (!call) {
    // `const run = exec` or `run = subprocess.run`: an alias of a function.
    if (file.adapter.isIdentifier(def) || file.adapter.member(def)) {
      const target = rawPath(def, file.adapter);
      return target === head ? raw : `${canonicalPath(target, file, lookupDef, depth + 1)}${rest}`;
    }
    return raw;
  }
  const inner = canonicalPath(rawPath(call.calleeNode, file.adapter), file, lookupDef, depth + 1);
  if (/(^|\.)promisify$/.test(inner) && call.args[0]) {
    // util.promisify(exec) behaves as exec for our purposes.
    return `${canonicalPath(rawPath(call.args[0], file.adapter), file, lookupDef, depth + 1)}${rest}`;
  }
  if (inner === 'require' || rawPath(def, file.adapter) !== `${inner}()`) {
    const p = rawPath(def, file.adapter);
    if (!p.endsWith('()')) return `${canonicalPath(p, file, lookupDef, depth + 1)}${rest}`;
  }
  return `${inner}()${rest}`;
}

export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}
