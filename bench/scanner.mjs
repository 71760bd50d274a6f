// Our scanner beside Bandit on the same Python sources, measured in one run (lines/s, peak memory),
// plus our scanner alone on the JavaScript of real MCP servers from npm and on Go sources.
// See bench/README.md for what each figure means.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  measureSources,
  NPM_SERVERS,
  REPO_ROOT,
  writeFixtureCorpus,
  writeNpmServerCorpus,
} from './lib/corpus.mjs';
import { runIfMain } from './lib/main.mjs';
import { formatNumber, formatRatio, renderTable } from './lib/report.mjs';
import {
  envNumber,
  loadWarning,
  machineLines,
  median,
  UsageError,
  withCleanup,
  writeResults,
} from './lib/summary.mjs';
import { GNU_TIME, hasGnuTime, runTimed } from './lib/timed.mjs';

export const description = 'scanner: lines/s and peak memory, ours beside Bandit on the same Python corpus';

const SCANNER = fileURLToPath(new URL('../scanner/dist/index.js', import.meta.url));
const CHILD = fileURLToPath(new URL('./lib/scan-child.mjs', import.meta.url));
const log = (message) => process.stderr.write(`[bench scanner] ${message}\n`);

function settingsFromEnv() {
  const mode = process.env.BENCH_SCAN_MODE || 'deep';
  if (mode !== 'deep' && mode !== 'fast')
    throw new UsageError(`BENCH_SCAN_MODE must be deep or fast, got ${mode}`);
  return {
    mode,
    pythonCopies: envNumber('BENCH_PY_COPIES', 3, { min: 1 }),
    goCopies: envNumber('BENCH_GO_COPIES', 1, { min: 1 }),
    rounds: envNumber('BENCH_ROUNDS', 1, { min: 1 }),
  };
}

function banditVersion() {
  try {
    return execFileSync('bandit', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    const err = new Error(
      'bandit is not installed: install it with `apt-get install -y bandit` (Debian/Ubuntu) or `pipx install bandit`',
    );
    throw err;
  }
}

/** Our scanner in a child process of its own; returns outside and inside measurements. */
async function scanOurs(dir, mode) {
  const m = await runTimed('our scanner', process.execPath, [CHILD, dir, mode], { cwd: REPO_ROOT });
  const inside = JSON.parse(m.stdout.trim().split('\n').pop());
  return {
    wallMs: m.wallMs,
    cpuSeconds: m.cpuSeconds,
    // GNU time's figure when present (the same measure as Bandit's); else the child's own maxRSS.
    maxRssKiB: m.maxRssKiB ?? inside.maxRssKiB,
    ...{ scanMs: inside.scanMs, totalMs: inside.totalMs },
    files: inside.files,
    lines: inside.lines,
    findings: inside.findings,
    errors: inside.errors,
  };
}

async function scanBandit(dir) {
  // Bandit exits with 1 when it reports an issue, which the fixtures guarantee.
  const m = await runTimed('bandit', 'bandit', ['-r', '-q', '-f', 'json', dir], { okCodes: [0, 1] });
  let report;
  try {
    report = JSON.parse(m.stdout);
  } catch {
    throw new Error(`bandit printed no JSON report: ${m.stdout.slice(0, 500)} ${m.stderr.slice(0, 500)}`);
  }
  return {
    wallMs: m.wallMs,
    cpuSeconds: m.cpuSeconds,
    maxRssKiB: m.maxRssKiB,
    findings: report.results.length,
    errors: report.errors.length,
    errorFiles: report.errors.map((e) => e.filename),
  };
}

const mb = (kib) => (kib === null || kib === undefined ? null : (kib * 1024) / 1e6);
const perSecond = (lines, ms) => (ms > 0 ? lines / (ms / 1000) : null);
const perCpu = (lines, cpu) => (cpu ? lines / cpu : null);

/** The run with the median wall time (the lower middle one for an even count). */
function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export async function run(args = []) {
  if (args.length > 0)
    throw new UsageError(`unknown argument ${JSON.stringify(args[0])} (settings are env variables)`);
  const settings = settingsFromEnv();
  const bandit = banditVersion();
  if (!hasGnuTime())
    log(`${GNU_TIME} not found: peak memory of our scanner is its own maxRSS, Bandit's is not measured`);
  try {
    await import(pathToFileURL(SCANNER).href);
  } catch (err) {
    throw new Error(`${SCANNER} did not load (${err.message}): run \`npm run build\` (or \`npm run bench\`)`);
  }

  return withCleanup(log, async (cleanups) => {
    const tmp = mkdtempSync(join(tmpdir(), 'mcphub-bench-scanner-'));
    cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
    const dirs = {
      python: writeFixtureCorpus(join(tmp, 'python'), 'python', settings.pythonCopies),
      javascript: writeNpmServerCorpus(join(tmp, 'javascript')),
      go: writeFixtureCorpus(join(tmp, 'go'), 'go', settings.goCopies),
      empty: join(tmp, 'empty'),
    };
    mkdirSync(dirs.empty);
    const py = measureSources(dirs.python, '.py');
    log(
      `corpus: Python ${py.files} files, ${py.lines} lines; JS ${NPM_SERVERS.join(', ')}; Go fixtures ×${settings.goCopies}`,
    );

    const loadBefore = loadavg()[0];
    const runs = { oursPython: [], banditPython: [], oursJs: [], oursGo: [], oursEmpty: [], banditEmpty: [] };
    for (let round = 0; round < settings.rounds; round += 1) {
      const tag = `round ${round + 1}/${settings.rounds}`;
      // The pair on the Python corpus runs back to back; which goes first alternates between rounds.
      const pair = [
        async () => {
          log(`${tag}: our scanner (${settings.mode}) on the Python corpus`);
          runs.oursPython.push(await scanOurs(dirs.python, settings.mode));
        },
        async () => {
          log(`${tag}: bandit on the Python corpus`);
          runs.banditPython.push(await scanBandit(dirs.python));
        },
      ];
      if (round % 2 === 1) pair.reverse();
      for (const step of pair) await step();
      log(`${tag}: start-up of each on an empty folder`);
      runs.oursEmpty.push(await scanOurs(dirs.empty, settings.mode));
      runs.banditEmpty.push(await scanBandit(dirs.empty));
      log(`${tag}: our scanner on the JavaScript corpus`);
      runs.oursJs.push(await scanOurs(dirs.javascript, settings.mode));
      log(`${tag}: our scanner on the Go corpus`);
      runs.oursGo.push(await scanOurs(dirs.go, settings.mode));
    }
    const loadAfter = loadavg()[0];

    const ours = medianRun(runs.oursPython);
    const theirs = medianRun(runs.banditPython);
    const ratioPerRound = (f) => median(runs.oursPython.map((o, i) => f(o) / f(runs.banditPython[i])));
    const oursRate = (r) => perSecond(py.lines, r.wallMs);
    const oursCpuRate = (r) => perCpu(py.lines, r.cpuSeconds);
    const pyRows = [
      [
        'throughput, wall clock (lines/s)',
        formatNumber(oursRate(ours)),
        formatNumber(oursRate(theirs)),
        formatRatio(ratioPerRound(oursRate)),
      ],
      [
        'throughput per CPU second (lines/s)',
        formatNumber(oursCpuRate(ours)),
        formatNumber(oursCpuRate(theirs)),
        ours.cpuSeconds && theirs.cpuSeconds ? formatRatio(ratioPerRound(oursCpuRate)) : '—',
      ],
      [
        'peak memory (MB RSS)',
        formatNumber(mb(ours.maxRssKiB)),
        formatNumber(mb(theirs.maxRssKiB)),
        theirs.maxRssKiB ? formatRatio(ratioPerRound((r) => r.maxRssKiB)) : '—',
      ],
      ['wall time (s)', formatNumber(ours.wallMs / 1000), formatNumber(theirs.wallMs / 1000), ''],
      [
        'start-up on an empty folder (s)',
        formatNumber(medianRun(runs.oursEmpty).wallMs / 1000),
        formatNumber(medianRun(runs.banditEmpty).wallMs / 1000),
        '',
      ],
      ['findings reported', String(ours.findings), String(theirs.findings), ''],
    ];

    const corpusRow = (label, r) => [
      label,
      String(r.files),
      formatNumber(r.lines),
      formatNumber(r.wallMs / 1000),
      formatNumber(perSecond(r.lines, r.wallMs)),
      formatNumber(perSecond(r.lines, r.scanMs)),
      formatNumber(mb(r.maxRssKiB)),
      String(r.findings),
    ];
    const oursJs = medianRun(runs.oursJs);
    const oursGo = medianRun(runs.oursGo);
    const oursRows = [
      corpusRow('Python (fixtures)', ours),
      corpusRow(`JavaScript (${NPM_SERVERS.length} npm servers)`, oursJs),
      corpusRow('Go (fixtures)', oursGo),
    ];

    const roundsNote =
      settings.rounds > 1 ? `, ${settings.rounds} rounds (medians; ratio = median of per-round ratios)` : '';
    const lines = [
      '',
      `Scanner benchmark: our scanner (${settings.mode} mode, one child process) beside ${bandit}, each as a fresh process${roundsNote}`,
      ...machineLines(loadBefore, loadAfter),
      `Python corpus: ${py.files} files, ${formatNumber(py.lines)} lines (the scanner's Python fixtures ×${settings.pythonCopies}, renamed)`,
      '',
      renderTable(['Python corpus', 'MCP Hub', 'Bandit', 'ratio (ours / theirs)'], pyRows),
      '',
      'Our scanner on each corpus (lines/s: whole process, and inside scanDirectory):',
      '',
      renderTable(
        ['corpus', 'files', 'lines', 'wall (s)', 'lines/s', 'in-scan lines/s', 'peak MB', 'findings'],
        oursRows,
      ),
    ];
    if (ours.lines !== py.lines)
      lines.push(
        `Note: our scanner read ${ours.lines} of the ${py.lines} Python lines (it skipped some files).`,
      );
    if (theirs.errors > 0)
      lines.push(
        `Note: Bandit could not parse ${theirs.errors} file(s): ${theirs.errorFiles.slice(0, 5).join(', ')}`,
      );
    if (ours.errors > 0 || oursJs.errors > 0 || oursGo.errors > 0)
      lines.push(
        `Note: our scanner reported errors (Python ${ours.errors}, JS ${oursJs.errors}, Go ${oursGo.errors}).`,
      );
    const warning = loadWarning(loadBefore, loadAfter);
    if (warning) lines.push(warning);
    process.stdout.write(`${lines.join('\n')}\n`);

    const file = writeResults('scanner', {
      loadAverage1m: { before: loadBefore, after: loadAfter },
      settings: { ...settings, bandit, gnuTime: hasGnuTime() },
      corpus: { python: py },
      runs,
    });
    process.stdout.write(`\nResults written to ${file}\n`);
    return 0;
  });
}

runIfMain(import.meta.url, 'scanner', run);
