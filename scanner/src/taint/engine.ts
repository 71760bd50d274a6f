/**
 * Orchestrates taint analysis over a project: module top levels, function summaries to a
 * fixpoint (the call graph), then a final pass from every entry point that turns sink hits
 * reached by accepted sources into raw findings.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { Detector, ReportOptions, SourceKind } from '../detectors/api.js';
import { type EntryPoint, toolNameAt } from '../surface/entries.js';
import type { ScanMode, TraceStep } from '../types.js';
import { type AnalysisHost, analyzeFunction, type SinkHit, stepAt } from './analyze-function.js';
import type { FileContext, FunctionRecord } from './file-context.js';
import { nodeKey } from './file-context.js';
import { buildFunctionIndex } from './function-index.js';
import { type Label, liveFor, type Taint, taintOf } from './labels.js';
import { createNodeQuery } from './node-query.js';
import { type CompiledRules, DEFAULT_SOURCES } from './rules.js';
import { type Summary, summaryFingerprint } from './summaries.js';

export interface RawFinding {
  detector: Detector;
  file: FileContext;
  node: SyntaxNode;
  message: string;
  trace: TraceStep[];
  tool?: string;
  severity?: ReportOptions['severity'];
  confidence?: ReportOptions['confidence'];
  redact?: ReportOptions['redact'];
}

export interface Budget {
  /** Throws once the file's analysis budget is spent. */
  check(file: FileContext): void;
  exhausted(file: FileContext): boolean;
}

export class BudgetExceeded extends Error {}

export interface TaintRunResult {
  findings: RawFinding[];
  /** Files whose analysis stopped early, with the reason. */
  partial: Map<string, string>;
}

function paramLabel(fn: FunctionRecord, index: number): Label {
  return {
    origin: { kind: 'param', paramIndex: index, note: 'parameter', file: fn.file.path, line: 0, column: 0 },
    steps: [],
    sanitized: [],
    safeFields: [],
  };
}

function entrySources(entry: EntryPoint, fn: FunctionRecord): Map<string, Taint> {
  const env = new Map<string, Taint>();
  for (const p of fn.params) {
    if (!entry.taintedParams.includes(p.index)) continue;
    for (const name of p.names) {
      // Names the SDK validated as numbers/booleans/enums cannot carry an injection payload.
      if (entry.cleanNames.includes(name)) continue;
      const what = entry.kind === 'tool-param' ? `tool parameter "${name}"` : `HTTP request "${name}"`;
      env.set(
        name,
        taintOf([
          {
            origin: {
              kind: entry.kind,
              ...(entry.tool ? { tool: entry.tool } : {}),
              note: entry.tool && entry.tool !== '*' ? `${what} of tool "${entry.tool}"` : what,
              file: fn.file.path,
              line: p.node.startPosition.row + 1,
              column: p.node.startPosition.column + 1,
            },
            steps: [],
            sanitized: entry.sanitizedNames?.[name] ?? [],
            safeFields: p.name === name ? entry.safeFields : [],
          },
        ]),
      );
    }
  }
  return env;
}

/**
 * Boolean validators: every `return` of the function is a validation of one parameter
 * (`return x in ALLOWED`, `return bool(RE.fullmatch(x))`, `return /^\w+$/.test(x)`).
 */
function booleanValidations(fn: FunctionRecord, rules: CompiledRules): number[] {
  const { adapter } = fn.file;
  const body = adapter.functionBody(fn.node);
  if (!body) return [];
  const returns = body.descendantsOfType('return_statement').map((r) => adapter.returnValue(r));
  const exprBody = !/block/.test(body.type) ? [body] : [];
  const values = [...returns, ...exprBody];
  if (values.length === 0 || values.some((v) => !v)) return [];
  const guards = rules.guards(fn.file.language).filter((g) => g.meaning === 'valid' && g.clears === 'all');
  const out: number[] = [];
  for (const p of fn.params) {
    if (!p.name) continue;
    const name = p.name;
    const ok = values.every((v) => {
      const text = (v as SyntaxNode).text
        .replace(/^(bool|Boolean)\((.*)\)$/s, '$2')
        .replace(/^!!/, '')
        .trim();
      return new RegExp(`\\b${name}\\b`).test(text) && guards.some((g) => g.pattern.test(text));
    });
    if (ok) out.push(p.index);
  }
  return out;
}

export function runTaint(
  files: readonly FileContext[],
  rules: CompiledRules,
  entryList: readonly EntryPoint[],
  mode: ScanMode,
  budget: Budget,
  /** Called now and then with the share of the analysis done (0..1). */
  onProgress?: (done: number) => void,
): TaintRunResult {
  const index = buildFunctionIndex(files, mode);
  const partial = new Map<string, string>();
  const entries = new Map<string, EntryPoint>();
  const entryKey = (file: FileContext, node: SyntaxNode) => `${file.path}|${nodeKey(node)}`;
  for (const e of entryList) {
    if (e.fn) entries.set(entryKey(e.file, e.fn), e);
    else if (e.handlerName) {
      for (const fn of index.byName(e.file, e.handlerName))
        entries.set(entryKey(fn.file, fn.node), { ...e, fn: fn.node });
    }
  }
  // Handlers registered where we could not see it still take a CallToolRequest.
  for (const file of files) {
    for (const fn of file.functions) {
      if (entries.has(entryKey(file, fn.node))) continue;
      const req = fn.params.find((p) => /(^|\.)CallToolRequest\b/.test(p.typeText ?? ''));
      if (req) {
        entries.set(entryKey(file, fn.node), {
          file,
          fn: fn.node,
          kind: 'tool-param',
          tool: '*',
          taintedParams: fn.params.map((p) => p.index).filter((i) => i >= req.index),
          cleanNames: [],
          safeFields: [],
        });
      }
    }
  }

  const summaries = new Map<string, Summary>();
  const safely = <T>(file: FileContext, run: () => T): T | null => {
    if (budget.exhausted(file)) return null;
    try {
      return run();
    } catch (err) {
      partial.set(
        file.path,
        err instanceof BudgetExceeded ? 'SCAN_ERR_FILE_BUDGET' : `SCAN_ERR_ANALYZE: ${String(err)}`,
      );
      return null;
    }
  };
  const baseHost = (file: FileContext): AnalysisHost => ({
    rules,
    summaryOf: (fn) => summaries.get(fn.id),
    resolveCall: (f, call) => index.resolve(f, call),
    isEntry: (node) => entries.has(entryKey(file, node)),
    checkBudget: () => budget.check(file),
  });

  for (const file of files) {
    const res = safely(file, () => analyzeFunction(baseHost(file), file, null, new Map()));
    if (res) {
      for (const [k, v] of res.defs) file.moduleDefs.set(k, v);
      for (const [k, v] of res.env) file.moduleEnv.set(k, v);
    }
  }

  const allFunctions = files.flatMap((f) => f.functions);
  const rounds = mode === 'fast' ? 2 : 5;
  const progress = (round: number, i: number) => {
    if (onProgress && i % 200 === 0)
      onProgress((round + i / Math.max(1, allFunctions.length)) / (rounds + 1));
  };
  for (let round = 0; round < rounds; round++) {
    let changed = false;
    for (const [i, fn] of allFunctions.entries()) {
      progress(round, i);
      const initial = new Map<string, Taint>();
      for (const p of fn.params)
        for (const name of p.names) initial.set(name, taintOf([paramLabel(fn, p.index)]));
      const res = safely(fn.file, () => analyzeFunction(baseHost(fn.file), fn.file, fn.node, initial));
      if (!res) continue;
      const summary: Summary = {
        sinks: [],
        templates: res.templates,
        validates: res.validates,
        boolValidates: booleanValidations(fn, rules),
        returns: [],
        returnSources: [],
      };
      for (const hit of res.hits) {
        const o = hit.label.origin;
        if (o.kind !== 'param' || o.paramIndex === undefined) continue;
        summary.sinks.push({
          paramIndex: o.paramIndex,
          sink: hit.sink,
          file: hit.file,
          node: hit.node,
          steps: hit.label.steps,
          sanitized: hit.label.sanitized,
          ...(hit.note ? { note: hit.note } : {}),
          ...(hit.argvTail ? { argvTail: true } : {}),
        });
      }
      for (const l of res.returns.values()) {
        if (l.origin.kind === 'param' && l.origin.paramIndex !== undefined) {
          summary.returns.push({ paramIndex: l.origin.paramIndex, sanitized: l.sanitized });
        } else if (l.origin.kind !== 'param') {
          summary.returnSources.push(l);
        }
      }
      const prev = summaries.get(fn.id);
      if (!prev || summaryFingerprint(prev) !== summaryFingerprint(summary)) changed = true;
      summaries.set(fn.id, summary);
    }
    if (!changed) break;
  }

  const findings: RawFinding[] = [];
  const visitors = rules.detectors.filter((d) => d.visitors?.onCall);
  const emitHits = (hits: SinkHit[], entry: EntryPoint | undefined) => {
    for (const hit of hits) {
      const o = hit.label.origin;
      if (o.kind === 'param' || !hit.sink.sources.includes(o.kind as SourceKind)) continue;
      let tool = o.tool;
      if (tool === '*') tool = toolNameAt(hit.at, entry?.fn ?? null) ?? toolNameAt(hit.node, null);
      const trace: TraceStep[] = [
        { kind: 'source', file: o.file, line: o.line, column: o.column, note: o.note },
        ...hit.label.steps,
        stepAt(hit.file, hit.node, 'sink', `${hit.sink.spec.message}${hit.note ? ` (${hit.note})` : ''}`),
      ];
      findings.push({
        detector: hit.sink.detector,
        file: hit.file,
        node: hit.node,
        message: `${hit.sink.spec.message}${hit.note ? ` (${hit.note})` : ''}: ${o.note} reaches it`,
        trace,
        ...(tool ? { tool } : {}),
      });
    }
  };
  // Rules whose sink is the tool result itself: what a tool/resource/prompt handler returns reaches the model.
  const resultRules = rules.detectors.filter((d) => d.taint?.toolResult);
  const emitToolResults = (fn: FunctionRecord, entry: EntryPoint, returns: Taint) => {
    const seen = new Set<string>();
    const lastStep = (l: Label) => l.steps[l.steps.length - 1];
    const sameReturn = (a: Label, b: Label) => {
      const x = lastStep(a);
      const y = lastStep(b);
      return x === y || (x !== undefined && y !== undefined && x.line === y.line && x.column === y.column);
    };
    for (const d of resultRules) {
      const rule = d.taint;
      if (!rule?.toolResult || !d.languages.includes(fn.file.language)) continue;
      const sources = rule.sources ?? DEFAULT_SOURCES;
      const live = liveFor(returns, rule.sinkKind);
      const unless = rule.toolResult.unlessAlso ?? [];
      for (const label of live) {
        const o = label.origin;
        if (o.kind === 'param' || !sources.includes(o.kind)) continue;
        if (live.some((l) => unless.includes(l.origin.kind as SourceKind) && sameReturn(l, label))) continue;
        // The last step is the `return` statement (an expression-bodied handler has none: its body is the result).
        const last = lastStep(label);
        let node: SyntaxNode | null = fn.file.adapter.functionBody(fn.node);
        if (last?.kind === 'return' && last.note === 'returned' && last.file === fn.file.path) {
          let n: SyntaxNode | null = fn.file.root.descendantForPosition({
            row: last.line - 1,
            column: last.column - 1,
          });
          while (n && fn.file.adapter.returnValue(n) === undefined) n = n.parent;
          if (n) node = n;
        }
        if (!node) continue;
        const key = `${d.id}|${nodeKey(node)}|${o.file}:${o.line}:${o.column}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const tool = entry.tool === '*' ? toolNameAt(node, entry.fn) : entry.tool;
        const message = rule.toolResult.message;
        findings.push({
          detector: d,
          file: fn.file,
          node,
          message: `${message}: ${o.note} reaches it`,
          trace: [
            { kind: 'source', file: o.file, line: o.line, column: o.column, note: o.note },
            ...label.steps,
            stepAt(fn.file, node, 'sink', message),
          ],
          ...(tool ? { tool } : {}),
        });
      }
    }
  };
  const finalHost = (file: FileContext, entry: EntryPoint | undefined): AnalysisHost => ({
    ...baseHost(file),
    onCall: (call, ctx) => {
      const tool = entry?.tool === '*' ? toolNameAt(ctx.at, entry.fn) : entry?.tool;
      for (const d of visitors) {
        if (!d.languages.includes(file.language)) continue;
        d.visitors?.onCall?.(call, {
          file: file.path,
          language: file.language,
          q: ctx.q,
          tool,
          report: (node, opts) =>
            findings.push({
              detector: d,
              file,
              node,
              message: opts.message,
              trace: [],
              ...(tool ? { tool } : {}),
              ...(opts.severity ? { severity: opts.severity } : {}),
              ...(opts.confidence ? { confidence: opts.confidence } : {}),
              ...(opts.redact ? { redact: opts.redact } : {}),
            }),
        });
      }
    },
  });
  for (const file of files) {
    const res = safely(file, () => analyzeFunction(finalHost(file, undefined), file, null, new Map()));
    if (res) emitHits(res.hits, undefined);
  }
  for (const [i, fn] of allFunctions.entries()) {
    progress(rounds, i);
    const entry = entries.get(entryKey(fn.file, fn.node));
    const initial = entry ? entrySources(entry, fn) : new Map<string, Taint>();
    const res = safely(fn.file, () => analyzeFunction(finalHost(fn.file, entry), fn.file, fn.node, initial));
    if (res) emitHits(res.hits, entry);
    if (res && entry?.kind === 'tool-param') emitToolResults(fn, entry, res.returns);
  }
  for (const d of rules.detectors) {
    const onNode = d.visitors?.onNode;
    if (!onNode) continue;
    for (const file of files) {
      if (!d.languages.includes(file.language) || budget.exhausted(file)) continue;
      const q = createNodeQuery(file.adapter, (name) => file.moduleDefs.get(name));
      for (const node of file.root.descendantsOfType([...onNode.types])) {
        onNode.visit(node, {
          file: file.path,
          language: file.language,
          q,
          tool: undefined,
          report: (n, opts) =>
            findings.push({
              detector: d,
              file,
              node: n,
              message: opts.message,
              trace: [],
              ...(opts.severity ? { severity: opts.severity } : {}),
              ...(opts.confidence ? { confidence: opts.confidence } : {}),
              ...(opts.redact ? { redact: opts.redact } : {}),
            }),
        });
      }
    }
  }
  return { findings, partial };
}
