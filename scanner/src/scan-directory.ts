/** `scanDirectory`: discovery → parse → MCP surface → taint and detectors → report. */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { type AiReviewOutcome, applyAiReview, openAiCompatibleReviewer } from './ai/ai-review.js';
import { toJsTree } from './ast/js-tree.js';
import type { Detector, ReportOptions } from './detectors/api.js';
import { listDetectors } from './detectors/index.js';
import { contentSkipReason, discoverFiles } from './discover/discover-files.js';
import { ScanFailure } from './errors.js';
import { createParserSet, languageOfGrammar } from './parse/parsers.js';
import { buildReport, mergeSurfaces, toFindings } from './report/build-report.js';
import { analyzeSupplyChain } from './supply-chain/run.js';
import { emptyFileSurface, type FileSurface } from './surface/entries.js';
import { extractGoSurface } from './surface/go-surface.js';
import { createHandlerCalls } from './surface/handler-calls.js';
import { extractPythonSurface } from './surface/python-surface.js';
import { extractTypeScriptSurface } from './surface/typescript-surface.js';
import { type Budget, BudgetExceeded, type RawFinding, runTaint } from './taint/engine.js';
import { collectFunctions, type FileContext } from './taint/file-context.js';
import { compileRules } from './taint/rules.js';
import type { FileEntry, Finding, Location, ScanError, ScanOptions, ScanReport } from './types.js';

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
export const DEFAULT_FILE_TIME_BUDGET_MS = 5000;

function createBudget(limitMs: number): Budget {
  const spent = new Map<string, number>();
  let current: string | null = null;
  let since = 0;
  const used = (path: string) => (spent.get(path) ?? 0) + (path === current ? Date.now() - since : 0);
  return {
    check(file) {
      const now = Date.now();
      if (current !== file.path) {
        if (current !== null) spent.set(current, (spent.get(current) ?? 0) + (now - since));
        current = file.path;
        since = now;
      }
      if (used(file.path) > limitMs) {
        spent.set(file.path, limitMs + 1);
        throw new BudgetExceeded(`analysis of ${file.path} exceeded ${limitMs} ms`);
      }
    },
    exhausted: (file) => used(file.path) > limitMs,
  };
}

function surfaceOf(file: FileContext, files: readonly FileContext[]): FileSurface {
  if (file.language === 'python') return extractPythonSurface(file);
  if (file.language === 'go') {
    const find = (types: string[], name: string) => {
      for (const f of files) {
        if (f.language !== 'go' || f.dir !== file.dir) continue;
        for (const n of f.root.descendantsOfType(types)) {
          if (n.childForFieldName('name')?.text === name) return n;
        }
      }
      return null;
    };
    return extractGoSurface(file, {
      struct: (name) => find(['type_spec'], name),
      func: (name) => find(['function_declaration', 'method_declaration'], name),
    });
  }
  return extractTypeScriptSurface(file);
}

export async function scanDirectory(root: string, options: ScanOptions = {}): Promise<ScanReport> {
  const started = new Date();
  const t0 = performance.now();
  const mode = options.mode ?? 'deep';
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const budgetMs = options.fileTimeBudgetMs ?? DEFAULT_FILE_TIME_BUDGET_MS;
  const absRoot = resolve(root);
  const rootStat = await stat(absRoot).catch(() => null);
  if (!rootStat?.isDirectory()) throw new ScanFailure('SCAN_ERR_ROOT', `not a directory: ${root}`);

  options.onProgress?.({ phase: 'discover', done: 0, total: 0 });
  const discovery = await discoverFiles(absRoot);
  const only = options.only ? new Set(options.only) : null;
  const candidates = only ? discovery.files.filter((f) => only.has(f.path)) : discovery.files;
  const entries: FileEntry[] = discovery.skipped
    .filter((s) => !only || only.has(s.path))
    .map((s) => ({
      path: s.path,
      language: null,
      bytes: 0,
      sha256: '',
      status: 'skipped',
      reason: s.reason,
    }));
  const errors: ScanError[] = [];
  const parsers = createParserSet();
  const contexts: FileContext[] = [];
  let nextNodeId = 1;

  for (const [i, f] of candidates.entries()) {
    options.onProgress?.({ phase: 'parse', done: i, total: candidates.length, file: f.path });
    const language = languageOfGrammar(f.grammar);
    let bytes: Buffer;
    try {
      bytes = await readFile(f.absPath);
    } catch (err) {
      errors.push({ code: 'SCAN_ERR_READ', file: f.path, message: String(err) });
      continue;
    }
    const entry: FileEntry = {
      path: f.path,
      language,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      status: 'scanned',
    };
    entries.push(entry);
    const skip = bytes.length > maxBytes ? 'too-large' : contentSkipReason(bytes);
    if (skip) {
      entry.status = 'skipped';
      entry.reason = skip;
      continue;
    }
    // Invalid UTF-8 becomes U+FFFD: the parser still sees a string, columns stay close.
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/^\uFEFF/, '');
    try {
      const tree = parsers.parse(f.grammar, text, budgetMs);
      if (!tree) {
        entry.status = 'skipped';
        entry.reason = 'parse-timeout';
        errors.push({
          code: 'SCAN_ERR_FILE_BUDGET',
          file: f.path,
          message: `parsing exceeded ${budgetMs} ms`,
        });
        continue;
      }
      const adapter = parsers.adapter(language);
      const copy = toJsTree(tree, text, nextNodeId);
      nextNodeId = copy.nextId;
      const ctx: FileContext = {
        path: f.path,
        language,
        adapter,
        root: copy.root,
        text,
        imports: adapter.imports(tree.rootNode),
        dir: dirname(f.path),
        moduleDefs: new Map(),
        moduleEnv: new Map(),
        functions: [],
        memo: new Map(),
      };
      ctx.functions = collectFunctions(ctx);
      contexts.push(ctx);
    } catch (err) {
      entry.status = 'skipped';
      entry.reason = 'parse-error';
      errors.push({ code: 'SCAN_ERR_PARSE', file: f.path, message: String(err) });
    }
    await turn();
  }

  options.onProgress?.({ phase: 'analyze', done: 0, total: contexts.length });
  const surfaces: FileSurface[] = contexts.map((c) => {
    try {
      return surfaceOf(c, contexts);
    } catch (err) {
      errors.push({ code: 'SCAN_ERR_ANALYZE', file: c.path, message: `surface: ${String(err)}` });
      return emptyFileSurface();
    }
  });
  const detectors = listDetectors();
  const rules = compileRules(detectors);
  const { findings: raw, partial } = runTaint(
    contexts,
    rules,
    surfaces.flatMap((s) => s.entries),
    mode,
    createBudget(budgetMs),
    (share) => options.onProgress?.({ phase: 'analyze', done: Math.round(share * 100), total: 100 }),
  );
  for (const [path, reason] of partial) {
    const entry = entries.find((e) => e.path === path);
    if (entry) entry.status = 'partial';
    const code = reason.startsWith('SCAN_ERR_FILE_BUDGET') ? 'SCAN_ERR_FILE_BUDGET' : 'SCAN_ERR_ANALYZE';
    errors.push({ code, file: path, message: reason });
  }
  const surface = mergeSurfaces(surfaces);
  const surfaceFindings = runSurfaceVisitors(detectors, surface, contexts);
  const supply = await analyzeSupplyChain(absRoot, detectors, { only, advisoriesDb: options.advisoriesDb });
  errors.push(...supply.errors);
  options.onProgress?.({ phase: 'report', done: contexts.length, total: contexts.length });
  const byPlace = (a: Finding, b: Finding) =>
    (a.location.file < b.location.file ? -1 : a.location.file > b.location.file ? 1 : 0) ||
    a.location.startLine - b.location.startLine ||
    a.location.startColumn - b.location.startColumn ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);
  let findings = [...toFindings(raw), ...surfaceFindings, ...toFindings(supply.raw)].sort(byPlace);
  let aiOutcome: AiReviewOutcome | undefined;
  if (options.aiReview) {
    // Only judges what was found; with no endpoint configured the scan stays fully deterministic.
    const reviewed = await applyAiReview(
      { surface, findings } as ScanReport,
      openAiCompatibleReviewer(options.aiReview),
      options.aiReview.model,
    );
    findings = reviewed.report.findings.sort(byPlace);
    aiOutcome = reviewed.outcome;
  }
  const report = buildReport({
    mode,
    files: entries,
    surface,
    findings,
    errors,
    sbom: supply.sbom,
    startedAt: started,
    durationMs: Math.round(performance.now() - t0),
  });
  // AI answers are not reproducible, so what the review said lives in the run block with the timings.
  if (aiOutcome) (report.run as ScanReport['run'] & { aiReview?: AiReviewOutcome }).aiReview = aiOutcome;
  return report;
}

function runSurfaceVisitors(
  detectors: readonly Detector[],
  surface: ScanReport['surface'],
  contexts: readonly FileContext[],
): ScanReport['findings'] {
  const raw: RawFinding[] = [];
  const handlerCalls = createHandlerCalls(contexts);
  for (const d of detectors) {
    const onSurface = d.visitors?.onSurface;
    if (!onSurface) continue;
    const reportAt = (location: Location, opts: ReportOptions, tool?: string) => {
      const file = contexts.find((c) => c.path === location.file);
      if (!file) return;
      const node = file.root.descendantForPosition({
        row: location.startLine - 1,
        column: location.startColumn - 1,
      });
      raw.push({
        detector: d,
        file,
        node,
        message: opts.message,
        trace: [],
        ...(tool ? { tool } : {}),
        ...(opts.severity ? { severity: opts.severity } : {}),
        ...(opts.confidence ? { confidence: opts.confidence } : {}),
      });
    };
    onSurface({
      surface,
      report: (tool, opts: ReportOptions) => reportAt(tool.location, opts, tool.name),
      reportAt: (location, opts) => reportAt(location, opts),
      fileText: (path) => contexts.find((c) => c.path === path)?.text ?? null,
      handlerCalls: (tool) => handlerCalls(tool).map((h) => ({ call: h.call, file: h.file.path, q: h.q })),
    });
  }
  return toFindings(raw);
}
