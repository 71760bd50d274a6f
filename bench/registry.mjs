// Our registry beside Verdaccio on loopback, measured in one run: metadata lookups (req/s) and
// bundle downloads (MB/s). See bench/README.md for what each figure means.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureDownload } from './lib/download-load.mjs';
import { measure } from './lib/load.mjs';
import { runIfMain } from './lib/main.mjs';
import { mintToken, publishToMcpHub, startMcpHub } from './lib/mcphub.mjs';
import { makeBundle } from './lib/payload.mjs';
import { formatNumber, formatRatio, machine, renderTable } from './lib/report.mjs';
import { withCleanup } from './lib/summary.mjs';
import { publishToVerdaccio, startVerdaccio } from './lib/verdaccio.mjs';

export const description = 'registry: resolve (req/s) and bundle download (MB/s), ours beside Verdaccio';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const ORG = 'bench';
const NAME = 'payload';
const NPM_NAME = `${ORG}-${NAME}`;
const VERSION = '1.0.0';
const RANGE = '^1.0.0';
const BUNDLE_MEDIA_TYPE = 'application/vnd.mcphub.bundle.v1.tar+gzip';
// What `npm install` sends for a packument: Verdaccio answers with the abbreviated document.
const NPM_ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

function settingsFromEnv() {
  const int = (name, fallback) => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0)
      throw new UsageError(`${name} must be a non-negative number, got ${raw}`);
    return value;
  };
  return {
    connections: int('BENCH_CONNECTIONS', 10),
    durationSeconds: int('BENCH_DURATION', 5),
    warmupSeconds: int('BENCH_WARMUP', 1),
    bundleMiB: int('BENCH_BUNDLE_MIB', 4),
    rounds: Math.max(1, Math.floor(int('BENCH_ROUNDS', 1))),
  };
}

function parseArgs(args) {
  const sides = { mcphub: true, verdaccio: true };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    const only = arg === '--only' ? args[++i] : arg.startsWith('--only=') ? arg.slice(7) : null;
    if (only === 'mcphub' || only === 'verdaccio') {
      sides.mcphub = only === 'mcphub';
      sides.verdaccio = only === 'verdaccio';
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(arg)} (accepted: --only mcphub|verdaccio)`);
    }
  }
  return sides;
}

export class UsageError extends Error {
  exitCode = 2;
}

const log = (message) => process.stderr.write(`[bench registry] ${message}\n`);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function fetchOk(label, url, headers = {}) {
  const res = await fetch(url, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok)
    throw new Error(`${label}: GET ${url} answered ${res.status}: ${body.toString('utf8').slice(0, 500)}`);
  return { res, body };
}

async function setUpVerdaccio(tmp, bundle, cleanups) {
  const dataDir = join(tmp, 'verdaccio');
  mkdirSync(dataDir);
  const server = await startVerdaccio(dataDir);
  cleanups.push(server.stop);
  log(`verdaccio listening on ${server.url}; publishing ${NPM_NAME}@${VERSION}`);
  const { tarballPath } = await publishToVerdaccio(server.url, NPM_NAME, VERSION, bundle);

  const packument = JSON.parse(
    (await fetchOk('verdaccio', `${server.url}/${NPM_NAME}`, { accept: NPM_ACCEPT })).body,
  );
  if (!packument.versions?.[VERSION]) throw new Error(`verdaccio: the packument lists no ${VERSION}`);
  const doc = JSON.parse((await fetchOk('verdaccio', `${server.url}/${NPM_NAME}/${VERSION}`)).body);
  if (doc.version !== VERSION)
    throw new Error(`verdaccio: GET /${NPM_NAME}/${VERSION} answered version ${doc.version}`);
  const { body } = await fetchOk('verdaccio', `${server.url}${tarballPath}`);
  if (sha256(body) !== bundle.sha256)
    throw new Error('verdaccio: the downloaded tarball differs from the published bytes');

  return {
    exact: { url: `${server.url}/${NPM_NAME}/${VERSION}`, headers: {} },
    range: { url: `${server.url}/${NPM_NAME}`, headers: { accept: NPM_ACCEPT } },
    download: { url: `${server.url}${tarballPath}`, headers: {} },
  };
}

async function setUpMcpHub(tmp, bundle, bundlePath, cleanups) {
  const home = join(tmp, 'mcphub-home');
  mkdirSync(home);
  const daemon = await startMcpHub(home);
  cleanups.push(daemon.stop);
  log(`mcphub registry listening on ${daemon.url}; publishing ${ORG}/${NAME}@${VERSION}`);

  const manifestPath = join(tmp, 'manifest.json');
  writeFileSync(
    manifestPath,
    JSON.stringify({
      schemaVersion: 1,
      name: `${ORG}/${NAME}`,
      version: VERSION,
      runtime: { type: 'node', entrypoint: 'index.js' },
      bundle: { mediaType: BUNDLE_MEDIA_TYPE, digest: `sha256:${bundle.sha256}`, size: bundle.size },
    }),
  );
  const publishToken = await mintToken(home, 'registry:publish', `${ORG}/*`);
  await publishToMcpHub(daemon.url, publishToken, bundlePath, manifestPath);

  const exactUrl = `${daemon.url}/v1/resolve/${ORG}/${NAME}/${VERSION}`;
  // Reads are anonymous unless the registry says otherwise; then we pay for a token like a client would.
  let headers = { accept: 'application/json' };
  let auth = 'anonymous';
  const probe = await fetch(exactUrl, { headers });
  await probe.arrayBuffer();
  if (probe.status === 401) {
    const readToken = await mintToken(home, 'registry:read', `${ORG}/*`);
    headers = { ...headers, authorization: `Bearer ${readToken}` };
    auth = 'bearer token (registry:read)';
    log('the registry wants a token for reads: measuring with a registry:read bearer token');
  }

  const rangeUrl = `${daemon.url}/v1/resolve/${ORG}/${NAME}/${encodeURIComponent(RANGE)}`;
  const downloadUrl = `${daemon.url}/v1/download/${ORG}/${NAME}/${VERSION}`;
  for (const url of [exactUrl, rangeUrl]) {
    const resolved = JSON.parse((await fetchOk('mcphub', url, headers)).body);
    if (resolved.version !== VERSION) {
      throw new Error(
        `mcphub: GET ${url} did not resolve to ${VERSION}: ${JSON.stringify(resolved).slice(0, 300)}`,
      );
    }
  }
  const { body } = await fetchOk('mcphub', downloadUrl, headers);
  if (sha256(body) !== bundle.sha256)
    throw new Error('mcphub: the downloaded bundle differs from the published bytes');

  return {
    auth,
    stderr: daemon.stderr,
    exact: { url: exactUrl, headers },
    range: { url: rangeUrl, headers },
    download: { url: downloadUrl, headers },
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The run with the median value (the lower middle one for an even count). */
function medianRun(sideRuns) {
  const sorted = [...sideRuns].sort((a, b) => a.value - b.value);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const METRICS = [
  { key: 'exact', label: `metadata, exact ${VERSION} (req/s)`, unit: 'req/s' },
  { key: 'range', label: `metadata, range ${RANGE} (req/s)`, unit: 'req/s' },
  { key: 'download', label: null, unit: 'MB/s' },
];

export async function run(args = []) {
  const sides = parseArgs(args);
  const settings = settingsFromEnv();
  return withCleanup(log, async (cleanups) => {
    const tmp = mkdtempSync(join(tmpdir(), 'mcphub-bench-registry-'));
    cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
    const bundle = makeBundle(Math.round(settings.bundleMiB * 2 ** 20));
    const bundlePath = join(tmp, 'bundle.tar.gz');
    writeFileSync(bundlePath, bundle.bytes);
    const bundleLabel = `${(bundle.size / 2 ** 20).toFixed(1)} MiB`;
    METRICS[2].label = `download, ${bundleLabel} bundle (MB/s)`;

    const targets = {};
    if (sides.verdaccio) targets.verdaccio = await setUpVerdaccio(tmp, bundle, cleanups);
    if (sides.mcphub) targets.mcphub = await setUpMcpHub(tmp, bundle, bundlePath, cleanups);

    const loadBefore = loadavg()[0];
    // runs[metric][side]: one measurement per round. The two sides of a metric are measured back
    // to back, and which goes first alternates between rounds, so slow drift in the machine's load
    // hits both alike.
    const runs = Object.fromEntries(METRICS.map((metric) => [metric.key, { mcphub: [], verdaccio: [] }]));
    for (let round = 0; round < settings.rounds; round += 1) {
      const order = round % 2 === 0 ? ['mcphub', 'verdaccio'] : ['verdaccio', 'mcphub'];
      for (const metric of METRICS) {
        for (const side of order) {
          const target = targets[side]?.[metric.key];
          if (!target) continue;
          const path = new URL(target.url).pathname;
          log(`round ${round + 1}/${settings.rounds}, ${side}: ${metric.label}, GET ${path}`);
          const options = { label: side, url: target.url, headers: target.headers, ...settings };
          const m =
            metric.unit === 'MB/s'
              ? await measureDownload({ ...options, expectedBytes: bundle.size })
              : await measure(options);
          const value = metric.unit === 'MB/s' ? m.bytesPerSecond / 1e6 : m.requestsPerSecond;
          runs[metric.key][side].push({ path, value, ...m });
        }
      }
    }
    const loadAfter = loadavg()[0];

    const rows = METRICS.map((metric) => {
      const row = {
        metric: metric.key,
        label: metric.label,
        unit: metric.unit,
        mcphub: null,
        verdaccio: null,
      };
      for (const side of ['mcphub', 'verdaccio']) {
        const sideRuns = runs[metric.key][side];
        if (sideRuns.length === 0) continue;
        const median = medianRun(sideRuns);
        row[side] = { ...median, rounds: sideRuns.map((r) => r.value) };
      }
      // The ratio is taken per round, between two measurements made back to back, and then the
      // median: a burst of outside load hits a pair together more often than it hits two medians.
      row.roundRatios =
        row.mcphub && row.verdaccio ? row.mcphub.rounds.map((ours, i) => ours / row.verdaccio.rounds[i]) : [];
      row.ratio = row.roundRatios.length ? median(row.roundRatios) : null;
      return row;
    });

    const host = machine();
    const roundsNote =
      settings.rounds > 1 ? `, ${settings.rounds} rounds (medians; ratio = median of per-round ratios)` : '';
    const sideLine = (name, run) =>
      run
        ? `  ${name.padEnd(9)} GET ${run.path}  p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms` +
          (run.rounds.length > 1 ? `; rounds: ${run.rounds.map(formatNumber).join(', ')}` : '')
        : `  ${name.padEnd(9)} (not measured)`;
    const lines = [
      '',
      `Registry benchmark: loopback, ${settings.connections} connections, ${settings.durationSeconds} s per figure ` +
        `after a ${settings.warmupSeconds} s warm-up${roundsNote}`,
      `Machine: ${host.cpus} CPUs (${host.cpuModel}), ${host.totalMemoryGiB} GiB, Node ${host.node}, ${host.os}`,
      `Load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`,
      '',
      renderTable(
        ['metric', 'MCP Hub', 'Verdaccio', 'ratio (ours / theirs)'],
        rows.map((r) => [
          r.label,
          formatNumber(r.mcphub?.value),
          formatNumber(r.verdaccio?.value),
          formatRatio(r.ratio),
        ]),
      ),
      '',
      ...rows.flatMap((r) => [
        `${r.label}:`,
        sideLine('MCP Hub', r.mcphub),
        sideLine('Verdaccio', r.verdaccio),
        ...(r.roundRatios.length > 1
          ? [`  ratio per round: ${r.roundRatios.map(formatRatio).join(', ')}`]
          : []),
      ]),
    ];
    if (targets.mcphub)
      lines.push(`MCP Hub reads: ${targets.mcphub.auth}; Verdaccio reads: anonymous ($all).`);
    if (Math.max(loadBefore, loadAfter) > host.cpus) {
      lines.push(
        `Warning: the load average exceeded the ${host.cpus} CPUs: other work shared the machine, ` +
          `so the figures are noisy; rerun on a quiet machine${settings.rounds === 1 ? ' or with BENCH_ROUNDS=3' : ''}.`,
      );
    }
    const daemonStderr = targets.mcphub?.stderr().trim();
    if (daemonStderr) lines.push('', 'MCP Hub daemon stderr (tail):', daemonStderr);
    process.stdout.write(`${lines.join('\n')}\n`);

    const date = new Date();
    const stamp = date
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replace(/:/g, '-');
    const file = join(RESULTS_DIR, `registry-${stamp}.json`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const results = {
      benchmark: 'registry',
      date: date.toISOString(),
      machine: { ...host, loadAverage1m: { before: loadBefore, after: loadAfter } },
      settings: { ...settings, bundleBytes: bundle.size, mcphubReadAuth: targets.mcphub?.auth ?? null },
      rows,
      mcphubDaemonStderr: daemonStderr || null,
    };
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\nResults written to ${file}\n`);
    return 0;
  });
}

runIfMain(import.meta.url, 'registry', run);
