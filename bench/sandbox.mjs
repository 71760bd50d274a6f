// Start-up cost of a sandbox for an MCP server: spawn → `initialize` answered, for
// @modelcontextprotocol/server-memory bare, under `mcphub run` (pulled from our registry, certified,
// cache warm) and under Anthropic's sandbox-runtime (`srt`) with an equivalent policy, interleaved
// in one run. See bench/README.md for what each figure means.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runIfMain } from './lib/main.mjs';
import { CLI, cleanEnv, startMcpHub } from './lib/mcphub.mjs';
import { bundleInstalledPackage } from './lib/npm-bundle.mjs';
import { runNode } from './lib/processes.mjs';
import { formatNumber, formatRatio, machine, renderTable } from './lib/report.mjs';
import { openSession } from './lib/stdio-mcp.mjs';
import { withCleanup } from './lib/summary.mjs';

export const description =
  'sandbox: spawn → MCP initialize for server-memory bare, under mcphub run and under srt';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const PACKAGE = '@modelcontextprotocol/server-memory';
const SERVER_NAME = 'memory-server'; // serverInfo.name the package answers initialize with
const REF_NAME = 'bench/memory';
const REF_VERSION = '1.0.0';
const ENTRYPOINT = 'dist/index.js';
const SRT_CANDIDATES = [
  fileURLToPath(new URL('../node_modules/@anthropic-ai/sandbox-runtime/dist/cli.js', import.meta.url)),
  fileURLToPath(new URL('./node_modules/@anthropic-ai/sandbox-runtime/dist/cli.js', import.meta.url)),
];
// `unsandboxed` is `mcphub run --unsafe-no-sandbox`: the same CLI, pull and verification, no
// sandbox. Not a peer: it splits our overhead into what the CLI costs and what the sandbox costs.
const SIDES = ['bare', 'mcphub', 'srt', 'unsandboxed'];
const LABELS = {
  bare: 'bare node',
  mcphub: 'mcphub run',
  srt: 'srt (sandbox-runtime)',
  unsandboxed: 'mcphub run --unsafe-no-sandbox',
};

export class UsageError extends Error {
  exitCode = 2;
}

const log = (message) => process.stderr.write(`[bench sandbox] ${message}\n`);

function parseArgs(args) {
  const settings = { iterations: 20, warmup: 1 };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    if (flag !== '--iterations' && flag !== '--warmup')
      throw new UsageError(`unknown argument ${JSON.stringify(arg)} (accepted: --iterations N, --warmup N)`);
    const raw = inline ?? args[++i];
    const value = Number(raw);
    const min = flag === '--iterations' ? 1 : 0;
    if (!Number.isInteger(value) || value < min)
      throw new UsageError(`${flag} needs an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
    settings[flag.slice(2)] = value;
  }
  return settings;
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Runs a short command to completion: {code, stdout, stderr}. */
function runCommand(command, args, { cwd, env, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${err.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout, stderr });
    });
  });
}

/** Pushes the bundle through the daemon (scan → certify → publish) and pulls it once. */
async function publishAndPull(home, registryUrl, bundleDir) {
  const registryPort = new URL(registryUrl).port;
  log(`pushing ${PACKAGE} as ${REF_NAME}@${REF_VERSION} (scan, certify, publish: this takes a while)`);
  const pushed = await runNode(
    'mcphub push',
    [CLI, 'push', bundleDir, '--home', home, '--name', REF_NAME, '--version', REF_VERSION, '--wait'],
    { cwd: REPO_ROOT, env: cleanEnv() },
  );
  const job = JSON.parse(pushed.trim().split('\n').pop());
  log(`certified at level ${job.level} (score ${job.score}); pulling it once so the cache is warm`);
  await runNode(
    'mcphub pull',
    [CLI, 'pull', `${REF_NAME}@${REF_VERSION}`, '--home', home, '--registry-port', registryPort],
    { cwd: REPO_ROOT, env: cleanEnv() },
  );
  return { level: job.level, score: job.score, registryPort };
}

/** The ways to start the same server; `memoryFile` is MEMORY_FILE_PATH as the server sees it. */
function makeSides({ tmp, bundleDir, dataDir, home, registryPort, srtCli, srtSettings }) {
  const hostEnv = (memoryFile) => ({ ...process.env, MEMORY_FILE_PATH: memoryFile });
  const policies = new Map();
  const policyFile = (memoryFile) => {
    if (policies.has(memoryFile)) return policies.get(memoryFile);
    const file = join(tmp, `policy-${policies.size + 1}.json`);
    policies.set(memoryFile, file);
    // Network none, the data folder the only writable place (srt's allowWrite), nothing of the
    // host's home (it is not mounted at all); limits are our defaults, which srt has no setting for.
    writeFileSync(
      file,
      JSON.stringify({
        network: { mode: 'none' },
        filesystem: { mounts: [{ host: dataDir, sandbox: '/data', writable: true }] },
        env: { set: { MEMORY_FILE_PATH: memoryFile } },
      }),
    );
    return file;
  };
  const mcphub = (memoryFile) => ({
    command: process.execPath,
    args: [
      CLI,
      'run',
      `${REF_NAME}@${REF_VERSION}`,
      '--home',
      home,
      '--registry-port',
      registryPort,
      '--policy',
      policyFile(memoryFile.replace(dataDir, '/data')),
    ],
    cwd: tmp,
    env: cleanEnv(),
  });
  return {
    bare: (memoryFile) => ({
      command: process.execPath,
      args: [ENTRYPOINT],
      cwd: bundleDir,
      env: hostEnv(memoryFile),
    }),
    mcphub,
    unsandboxed: (memoryFile) => {
      const sandboxed = mcphub(memoryFile);
      return { ...sandboxed, args: [...sandboxed.args, '--unsafe-no-sandbox'] };
    },
    srt: (memoryFile) => ({
      command: process.execPath,
      args: [srtCli, '--settings', srtSettings, '--', process.execPath, ENTRYPOINT],
      cwd: bundleDir,
      env: hostEnv(memoryFile),
    }),
  };
}

/** srt can run here when it runs `node -e` and prints what it was asked to; else its stderr says why. */
async function srtPreflight(srtCli, srtSettings, cwd) {
  if (!srtCli) return { ok: false, reason: `not installed (looked for ${SRT_CANDIDATES.join(', ')})` };
  const r = await runCommand(
    process.execPath,
    [srtCli, '--settings', srtSettings, '--', process.execPath, '-e', 'process.stdout.write("srt-ok")'],
    { cwd },
  );
  if (r.code === 0 && r.stdout.includes('srt-ok')) return { ok: true };
  return {
    ok: false,
    reason: `\`srt -- node -e …\` exited with ${r.code}: ${(r.stderr.trim() || r.stdout.trim()).slice(-1500)}`,
  };
}

const errorCode = (text) => /\b(E[A-Z]{2,})\b/.exec(text ?? '')?.[1] ?? null;
const toolText = (result) => (result?.content ?? []).map((c) => c.text ?? '').join('\n');

/**
 * Isolation probes, through the server itself (it reads and writes MEMORY_FILE_PATH):
 * - home: a file planted under the host's home dir, holding one entity; `read_graph` shows it or not.
 * - package: MEMORY_FILE_PATH relative (inside the package's dist/); `create_entities` writes it or not.
 */
async function probeSide(side, build, { planted, plantedEntity, probeFileName }) {
  const out = {};
  {
    const { command, args, cwd, env } = build(planted);
    const s = await openSession(`${side} (home probe)`, command, args, { cwd, env });
    try {
      await s.request('tools/list', {});
      const { result } = await s.request('tools/call', { name: 'read_graph', arguments: {} });
      const text = toolText(result);
      out.readsHome = text.includes(plantedEntity)
        ? { value: true, detail: 'read the planted file' }
        : {
            value: false,
            detail: result.isError
              ? `refused (${errorCode(text) ?? text.slice(0, 80)})`
              : 'not visible (ENOENT)',
          };
    } finally {
      await s.close();
    }
  }
  {
    const { command, args, cwd, env } = build(probeFileName);
    const s = await openSession(`${side} (write probe)`, command, args, { cwd, env });
    try {
      await s.request('tools/list', {});
      const { result } = await s.request('tools/call', {
        name: 'create_entities',
        arguments: { entities: [{ name: 'bench-probe', entityType: 'probe', observations: ['written'] }] },
      });
      const text = toolText(result);
      out.writesPackage = result.isError
        ? { value: false, detail: `refused (${errorCode(text) ?? text.slice(0, 80)})` }
        : { value: true, detail: 'wrote into the package' };
    } finally {
      await s.close();
    }
  }
  return out;
}

export async function run(args = []) {
  const settings = parseArgs(args);
  if (process.platform !== 'linux')
    throw new Error('the sandbox benchmark needs Linux (bubblewrap for both sandboxes, /proc for RSS)');
  return withCleanup(log, async (cleanups) => {
    const id = randomBytes(6).toString('hex');
    const tmp = mkdtempSync(join(tmpdir(), 'mcphub-bench-sandbox-'));
    cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
    const bundleDir = bundleInstalledPackage(PACKAGE, tmp);
    const version = JSON.parse(readFileSync(join(bundleDir, 'package.json'), 'utf8')).version;
    const dataDir = join(tmp, 'data');
    mkdirSync(dataDir);
    const home = join(tmp, 'mcphub-home');
    mkdirSync(home);

    // The file the home probe looks for: under the real home dir (srt's denyRead target), removed at the end.
    const plantedEntity = `planted-secret-${id}`;
    const planted = join(homedir(), `.mcphub-bench-probe-${id}.jsonl`);
    writeFileSync(
      planted,
      `${JSON.stringify({ type: 'entity', name: plantedEntity, entityType: 'secret', observations: [] })}\n`,
      { mode: 0o600 },
    );
    cleanups.push(async () => rmSync(planted, { force: true }));
    // Even if the run dies before its clean-up (a closed stdout, an uncaught error), neither the
    // home dir nor the temporary folder keeps anything of ours.
    const removePlanted = () => {
      rmSync(planted, { force: true });
      rmSync(tmp, { recursive: true, force: true });
    };
    process.once('exit', removePlanted);
    cleanups.push(async () => process.removeListener('exit', removePlanted));

    const srtCli = SRT_CANDIDATES.find((p) => existsSync(p)) ?? null;
    const srtVersion = srtCli
      ? JSON.parse(readFileSync(join(srtCli, '..', '..', 'package.json'), 'utf8')).version
      : null;
    const srtSettings = join(tmp, 'srt-settings.json');
    const srtConfig = {
      network: { allowedDomains: [], deniedDomains: [] },
      filesystem: { denyRead: [homedir()], allowRead: [], allowWrite: [dataDir], denyWrite: [] },
    };
    writeFileSync(srtSettings, JSON.stringify(srtConfig, null, 2));

    const daemon = await startMcpHub(home);
    cleanups.push(daemon.stop);
    log(`mcphub daemon up, registry ${daemon.url}`);
    const published = await publishAndPull(home, daemon.url, bundleDir);

    const sides = makeSides({
      tmp,
      bundleDir,
      dataDir,
      home,
      registryPort: published.registryPort,
      srtCli,
      srtSettings,
    });
    const active = ['bare', 'mcphub'];
    const srtStatus = await srtPreflight(srtCli, srtSettings, bundleDir);
    if (srtStatus.ok) active.push('srt');
    else log(`srt cannot run here, measuring ours against bare only: ${srtStatus.reason}`);

    // Isolation probes, one session per probe per side, before anything is timed.
    const probes = {};
    for (const side of [...active]) {
      log(`probing ${LABELS[side]}: planted home file, write into the package`);
      try {
        probes[side] = await probeSide(side, sides[side], {
          planted,
          plantedEntity,
          probeFileName: `bench-probe-${id}.jsonl`,
        });
      } catch (err) {
        if (side !== 'srt') throw err;
        srtStatus.ok = false;
        srtStatus.reason = `its MCP session failed: ${err.message}`;
        active.splice(active.indexOf('srt'), 1);
        log(`srt dropped: ${srtStatus.reason}`);
      }
    }
    // Not probed: it has no isolation by design, and a write probe would land in our package cache.
    active.push('unsandboxed');

    const memoryFile = join(dataDir, 'memory.jsonl');
    const samples = Object.fromEntries(SIDES.map((side) => [side, []]));
    let ourIsolation = null;
    const loadBefore = loadavg()[0];
    const total = settings.warmup + settings.iterations;
    for (let i = 0; i < total; i += 1) {
      // Rotate the order each iteration, so each side goes first, second and last equally often.
      const order = active.map((_, k) => active[(i + k) % active.length]);
      const warm = i < settings.warmup;
      log(`${warm ? 'warm-up' : 'iteration'} ${warm ? i + 1 : i + 1 - settings.warmup}: ${order.join(', ')}`);
      for (const side of order) {
        const { command, args: argv, cwd, env } = sides[side](memoryFile);
        const s = await openSession(LABELS[side], command, argv, { cwd, env, measureRss: true });
        const name = s.initResult?.serverInfo?.name;
        await s.close();
        if (name !== SERVER_NAME)
          throw new Error(`${LABELS[side]}: initialize answered serverInfo.name ${JSON.stringify(name)}`);
        if (side === 'mcphub' && !ourIsolation)
          ourIsolation = /isolation (\{.*\})/.exec(s.stderr())?.[1] ?? null;
        if (!warm)
          samples[side].push({ ms: s.initMs, rssKiB: s.rss?.totalKiB ?? null, processes: s.rss?.names });
      }
    }
    const loadAfter = loadavg()[0];

    const stats = {};
    for (const side of active) {
      const ms = samples[side].map((x) => x.ms);
      const rss = samples[side].map((x) => x.rssKiB).filter((x) => x !== null);
      stats[side] = {
        medianMs: median(ms),
        p90Ms: percentile(ms, 90),
        minMs: Math.min(...ms),
        samplesMs: ms.map((x) => Math.round(x * 10) / 10),
        medianTreeRssMiB: rss.length ? median(rss) / 1024 : null,
        processes: samples[side][0]?.processes ?? [],
      };
    }
    // Per-iteration ratios: the sides of one iteration ran back to back, under the same load.
    const perIteration = (a, b) => samples[a].map((x, k) => x.ms / samples[b][k].ms);
    const ratios = {
      mcphubOverBare: median(perIteration('mcphub', 'bare')),
      unsandboxedOverBare: median(perIteration('unsandboxed', 'bare')),
      ...(stats.srt
        ? {
            srtOverBare: median(perIteration('srt', 'bare')),
            mcphubOverSrt: median(perIteration('mcphub', 'srt')),
          }
        : {}),
    };

    // The same split per iteration (sides back to back), then the median: steadier than medians' differences.
    const perIterationDiff = (a, b) => median(samples[a].map((x, k) => x.ms - samples[b][k].ms));
    const split = {
      cli: perIterationDiff('unsandboxed', 'bare'),
      sandbox: perIterationDiff('mcphub', 'unsandboxed'),
    };
    const ms = (value) => Math.round(value).toLocaleString('en-US');
    const host = machine();
    const yesNo = (probe) => (probe ? `${probe.value ? 'yes' : 'no'}: ${probe.detail}` : '—');
    const rows = SIDES.map((side) => {
      const st = stats[side];
      const overhead = st && side !== 'bare' ? st.medianMs - stats.bare.medianMs : null;
      const ratio = side === 'bare' ? 1 : ratios[`${side}OverBare`];
      return [
        LABELS[side],
        formatNumber(st?.medianMs),
        formatNumber(st?.p90Ms),
        side === 'bare' ? '—' : overhead === null ? '—' : `+${formatNumber(overhead)}`,
        st ? formatRatio(ratio) : '—',
        formatNumber(st?.medianTreeRssMiB),
        side === 'unsandboxed' ? 'not probed (no isolation)' : yesNo(probes[side]?.readsHome),
        side === 'unsandboxed' ? 'not probed' : yesNo(probes[side]?.writesPackage),
      ];
    });
    const lines = [
      '',
      `Sandbox benchmark: ${PACKAGE} ${version}, spawn → initialize answered (serverInfo.name checked), ` +
        `${settings.iterations} iterations after ${settings.warmup} warm-up, sides interleaved (order rotated)`,
      `Machine: ${host.cpus} CPUs (${host.cpuModel}), ${host.totalMemoryGiB} GiB, Node ${host.node}, ${host.os}`,
      `Load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`,
      `mcphub run: ${REF_NAME}@${REF_VERSION} certified level ${published.level} (score ${published.score}), cache warm; ` +
        'policy: network none, one writable mount (the data folder), host home not mounted, package read-only at /app, ' +
        'default limits (512 MB, 1 CPU, 256 pids, 1024 files)',
      srtStatus.ok
        ? `srt ${srtVersion}: settings ${JSON.stringify(srtConfig)} (no resource limits: srt has no setting for them)`
        : `srt: NOT MEASURED: ${srtStatus.reason}`,
      '',
      renderTable(
        [
          'side',
          'median (ms)',
          'p90 (ms)',
          'overhead (ms)',
          '× bare',
          'tree peak RSS (MiB)',
          'reads planted ~/ file',
          'writes its package dir',
        ],
        rows,
      ),
      '',
      stats.srt
        ? `mcphub run / srt: ${formatRatio(ratios.mcphubOverSrt)} (median of per-iteration ratios; ` +
          `ratio of medians ${formatRatio(stats.mcphub.medianMs / stats.srt.medianMs)})`
        : 'mcphub run / srt: — (srt not measured)',
      '× bare is the median of per-iteration ratios; overhead is the difference of the medians.',
      `Where mcphub run's overhead goes (medians of per-iteration differences): the CLI, the resolve on the ` +
        `registry, the digest and attestation checks and the tools guard ${ms(split.cli)} ms ` +
        `(--unsafe-no-sandbox − bare); the sandbox itself ${ms(split.sandbox)} ms (mcphub run − --unsafe-no-sandbox).`,
      "Tree peak RSS: Σ of each process's peak RSS (VmHWM) over the spawned process tree at the initialize answer (MiB):",
      ...active.map((side) => `  ${LABELS[side]}: ${stats[side].processes.join(', ')}`),
      ...active.map(
        (side) =>
          `${LABELS[side]} samples (ms): ${stats[side].samplesMs.map((x) => formatNumber(x)).join(', ')}`,
      ),
    ];
    if (ourIsolation) lines.push(`mcphub run isolation: ${ourIsolation}`);
    if (Math.max(loadBefore, loadAfter) > host.cpus) {
      lines.push(
        `Warning: the load average exceeded the ${host.cpus} CPUs: other work shared the machine, ` +
          'so the absolute figures are inflated and noisy; the interleaved ratios are the figures to read.',
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);

    const date = new Date();
    const stamp = date
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replace(/:/g, '-');
    const file = join(RESULTS_DIR, `sandbox-${stamp}.json`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          benchmark: 'sandbox',
          date: date.toISOString(),
          machine: { ...host, loadAverage1m: { before: loadBefore, after: loadAfter } },
          settings: { ...settings, package: `${PACKAGE}@${version}`, srtVersion, srtConfig },
          mcphub: { level: published.level, score: published.score, isolation: ourIsolation },
          srt: srtStatus,
          stats,
          ratios,
          split,
          probes,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`\nResults written to ${file}\n`);
    return 0;
  });
}

runIfMain(import.meta.url, 'sandbox', run);
