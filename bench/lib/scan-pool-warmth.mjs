// Not a benchmark (no peer): time to a scan's result from the daemon's ScanPool, with every thread
// started with its job (cold, `warmThreads: 0`) and with the next thread started ahead (warm, the
// default), interleaved. Usage, after `npm run build`:
//   node bench/lib/scan-pool-warmth.mjs [iterations=8] [queued=5]
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const { ScanPool } = await import(new URL('../../daemon/dist/pipeline/scan-pool.js', import.meta.url).href);
const iterations = Number(process.argv[2] ?? 8);
const queued = Number(process.argv[3] ?? 5);
const IDLE_MS = 4000; // between scans: long enough for a warm thread to load, as between pushes

const dir = mkdtempSync(join(tmpdir(), 'scan-pool-warmth-'));
cpSync(
  fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-memory', import.meta.url)),
  dir,
  {
    recursive: true,
  },
);
const cold = new ScanPool(1, undefined, { warmThreads: 0 });
const warm = new ScanPool(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const timed = async (pool) => {
  const t0 = performance.now();
  await pool.scan(dir, 'deep');
  return performance.now() - t0;
};
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];

const load0 = loadavg()[0];
await timed(warm); // its first thread is cold; from here on each scan finds one started ahead
const times = { cold: [], warm: [] };
for (let i = 0; i < iterations; i += 1) {
  for (const side of i % 2 ? ['warm', 'cold'] : ['cold', 'warm']) {
    await sleep(IDLE_MS);
    times[side].push(await timed(side === 'cold' ? cold : warm));
  }
}
const burst = {};
for (const side of ['cold', 'warm']) {
  await sleep(IDLE_MS);
  const pool = side === 'cold' ? cold : warm;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: queued }, () => pool.scan(dir, 'deep')));
  burst[side] = performance.now() - t0;
}
const load1 = loadavg()[0];
await cold.close();
await warm.close();
rmSync(dir, { recursive: true, force: true });
const fmt = (v) => v.map((x) => Math.round(x)).join(', ');
console.log(`server-memory (deep scan), 1 slot, load average ${load0.toFixed(2)} → ${load1.toFixed(2)}`);
console.log(`cold (warmThreads 0): median ${Math.round(median(times.cold))} ms  [${fmt(times.cold)}]`);
console.log(`warm (default):       median ${Math.round(median(times.warm))} ms  [${fmt(times.warm)}]`);
console.log(`${queued} queued at once: cold ${Math.round(burst.cold)} ms, warm ${Math.round(burst.warm)} ms`);
