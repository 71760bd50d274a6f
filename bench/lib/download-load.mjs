import http from 'node:http';
import { NotAllOkError } from './load.mjs';

/**
 * Downloads `url` over `connections` keep-alive connections, back to back, for `warmupSeconds`
 * (discarded) then `durationSeconds`, and returns the body bytes received per second inside the
 * measured window. autocannon is not used here: its response parser tops out near 50 MB/s on
 * multi-MiB bodies, so it would measure itself rather than the server. Node's own client
 * discards bodies at GB/s on loopback. Any non-2xx, socket error or short body throws.
 */
export async function measureDownload({
  label,
  url,
  headers = {},
  connections,
  durationSeconds,
  warmupSeconds,
  expectedBytes,
}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const start = performance.now();
  const windowStart = start + warmupSeconds * 1000;
  const windowEnd = windowStart + durationSeconds * 1000;
  let windowBytes = 0;
  let completed = 0;
  const latencies = [];
  let failure = null;

  const downloadOnce = () =>
    new Promise((resolve, reject) => {
      const sent = performance.now();
      const req = http.get(url, { agent, headers }, (res) => {
        let received = 0;
        if (res.statusCode < 200 || res.statusCode > 299) {
          res.resume();
          reject(
            new NotAllOkError(`${label}: GET ${url} answered ${res.statusCode} during the download run`),
          );
          return;
        }
        res.on('data', (chunk) => {
          received += chunk.length;
          const now = performance.now();
          if (now >= windowStart && now < windowEnd) windowBytes += chunk.length;
        });
        res.on('end', () => {
          if (received !== expectedBytes) {
            reject(
              new NotAllOkError(`${label}: GET ${url} returned ${received} bytes, expected ${expectedBytes}`),
            );
            return;
          }
          const done = performance.now();
          if (sent >= windowStart && done < windowEnd) latencies.push(done - sent);
          if (done >= windowStart && done < windowEnd) completed += 1;
          resolve();
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });

  const worker = async () => {
    while (!failure && performance.now() < windowEnd) {
      try {
        await downloadOnce();
      } catch (err) {
        failure ??=
          err instanceof NotAllOkError
            ? err
            : new NotAllOkError(`${label}: GET ${url} failed: ${err.message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    agent.destroy();
  }
  if (failure) throw failure;
  if (completed === 0)
    throw new NotAllOkError(`${label}: no download of ${url} completed inside the measured window`);

  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies.length
      ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))])
      : null;
  return {
    url,
    responses2xx: completed,
    durationSeconds,
    requestsPerSecond: completed / durationSeconds,
    bytesPerSecond: windowBytes / durationSeconds,
    latencyMs: {
      p50: pct(50),
      p90: pct(90),
      p99: pct(99),
      max: latencies.length ? Math.round(latencies.at(-1)) : null,
    },
  };
}
