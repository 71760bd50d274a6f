// Child process for the scanner benchmarks: scans one directory with the built scanner and prints
// one JSON line on stdout (time inside scanDirectory, lines of the files it scanned, peak RSS), so the
// parent measures a process of its own rather than sharing its heap with the load generator.
// usage: node bench/lib/scan-child.mjs <dir> [fast|deep]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderJson, scanDirectory } from '../../scanner/dist/index.js';
import { countLines } from './corpus.mjs';

const [dir, mode = 'deep'] = process.argv.slice(2);
const started = performance.now();
const report = await scanDirectory(dir, { mode });
const scanMs = performance.now() - started;
// Rendering is part of what a scan costs a caller (the daemon stores the JSON report).
const json = renderJson(report);
const totalMs = performance.now() - started;

let lines = 0;
const scanned = report.files.filter((f) => f.status === 'scanned' || f.status === 'partial');
for (const file of scanned) lines += countLines(readFileSync(join(dir, file.path), 'utf8'));

process.stdout.write(
  `${JSON.stringify({
    scanMs,
    totalMs,
    files: scanned.length,
    partial: report.files.filter((f) => f.status === 'partial').length,
    skipped: report.files.filter((f) => f.status === 'skipped').length,
    lines,
    findings: report.findings.length,
    errors: report.errors.length,
    reportBytes: Buffer.byteLength(json),
    maxRssKiB: process.resourceUsage().maxRSS,
  })}\n`,
);
