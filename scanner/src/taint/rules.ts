/** Detector taint rules and the shared catalogue, compiled once per scan for fast lookup. */
import type { Detector, GuardSpec, SinkSpec, SourceKind } from '../detectors/api.js';
import type { Language } from '../types.js';
import { globToRegExp } from './callee.js';
import { GUARDS, SANITIZERS, SOURCES, type SourceSpec } from './catalog.js';

export interface CompiledSink {
  detector: Detector;
  spec: SinkSpec;
  sinkKind: string;
  sources: readonly SourceKind[];
}

interface Matcher<T> {
  regexes: RegExp[];
  value: T;
}

export interface CompiledRules {
  sinks(language: Language, callee: string): CompiledSink[];
  /** Union of what every matching sanitizer clears; null when none matches. */
  sanitizer(language: Language, callee: string): readonly string[] | 'all' | null;
  source(language: Language, path: string, via: 'call' | 'member'): SourceSpec | null;
  guards(language: Language): readonly GuardSpec[];
  detectors: readonly Detector[];
}

export const DEFAULT_SOURCES: readonly SourceKind[] = ['tool-param', 'http-request'];

function matches<T>(list: Matcher<T>[], callee: string): T[] {
  return list.filter((m) => m.regexes.some((r) => r.test(callee))).map((m) => m.value);
}

export function compileRules(detectors: readonly Detector[]): CompiledRules {
  const sinks = new Map<Language, Matcher<CompiledSink>[]>();
  const sanitizers = new Map<Language, Matcher<readonly string[] | 'all'>[]>();
  const guards = new Map<Language, GuardSpec[]>();
  const push = <T>(map: Map<Language, T[]>, lang: Language, v: T) => {
    const list = map.get(lang) ?? [];
    list.push(v);
    map.set(lang, list);
  };
  for (const s of SANITIZERS) {
    for (const lang of s.languages)
      push(sanitizers, lang, { regexes: s.callee.map(globToRegExp), value: s.clears });
  }
  for (const g of GUARDS) for (const lang of g.languages) push(guards, lang, g);
  for (const d of detectors) {
    const rule = d.taint;
    if (!rule) continue;
    for (const spec of rule.sinks) {
      const value: CompiledSink = {
        detector: d,
        spec,
        sinkKind: rule.sinkKind,
        sources: rule.sources ?? DEFAULT_SOURCES,
      };
      for (const lang of spec.languages) push(sinks, lang, { regexes: spec.callee.map(globToRegExp), value });
    }
    for (const s of rule.sanitizers ?? []) {
      for (const lang of s.languages)
        push(sanitizers, lang, { regexes: s.callee.map(globToRegExp), value: s.clears });
    }
    for (const g of rule.guards ?? []) for (const lang of g.languages) push(guards, lang, g);
  }
  const callSources = new Map<Language, Matcher<SourceSpec>[]>();
  const memberSources = new Map<Language, { prefix: string; spec: SourceSpec }[]>();
  for (const s of SOURCES) {
    for (const lang of s.languages) {
      if (s.callee) push(callSources, lang, { regexes: s.callee.map(globToRegExp), value: s });
      for (const prefix of s.member ?? []) push(memberSources, lang, { prefix, spec: s });
    }
  }
  // Callee names repeat a lot within a scan; the regex scans are the hot path without these.
  const sinkCache = new Map<string, CompiledSink[]>();
  const sanitizerCache = new Map<string, (readonly string[] | 'all')[]>();
  const sourceCache = new Map<string, SourceSpec | null>();
  return {
    detectors,
    sinks(language, callee) {
      const key = `${language}\0${callee}`;
      let hit = sinkCache.get(key);
      if (!hit) {
        hit = matches(sinks.get(language) ?? [], callee);
        sinkCache.set(key, hit);
      }
      return hit;
    },
    sanitizer(language, callee) {
      const key = `${language}\0${callee}`;
      let found = sanitizerCache.get(key);
      if (!found) {
        found = matches(sanitizers.get(language) ?? [], callee);
        sanitizerCache.set(key, found);
      }
      if (found.length === 0) return null;
      if (found.includes('all')) return 'all';
      return [...new Set(found.flatMap((f) => f as readonly string[]))];
    },
    source(language, path, via) {
      const key = `${language}\0${via}\0${path}`;
      if (sourceCache.has(key)) return sourceCache.get(key) ?? null;
      const found = findSource(language, path, via);
      sourceCache.set(key, found);
      return found;
    },
    guards(language) {
      return guards.get(language) ?? [];
    },
  };

  function findSource(language: Language, path: string, via: 'call' | 'member'): SourceSpec | null {
    if (via === 'call') {
      const hit = matches(callSources.get(language) ?? [], path)[0];
      if (hit) return hit;
    }
    for (const { prefix, spec } of memberSources.get(language) ?? []) {
      if (path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}(`)) return spec;
    }
    return null;
  }
}
