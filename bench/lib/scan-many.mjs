// Child process for the pipeline benchmarks: scans each directory in turn with the built scanner,
// in one warm process (the scanner alone, without queue, store, threads or registry), and prints one
// JSON line with the milliseconds of each scan, rendering included.
// usage: node bench/lib/scan-many.mjs <fast|deep> <dir>...
import { performance } from 'node:perf_hooks';
import { renderJson, scanDirectory } from '../../scanner/dist/index.js';

const [mode, ...dirs] = process.argv.slice(2);
const scans = [];
for (const dir of dirs) {
  const started = performance.now();
  const report = await scanDirectory(dir, { mode });
  renderJson(report);
  scans.push({
    ms: performance.now() - started,
    findings: report.findings.length,
    errors: report.errors.length,
  });
}
process.stdout.write(`${JSON.stringify({ scans, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
