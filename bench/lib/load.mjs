import autocannon from 'autocannon';

/** Thrown when a load run saw anything but 2xx: its figure would measure error handling. */
export class NotAllOkError extends Error {}

/**
 * Drives `url` with autocannon for `warmupSeconds` (discarded) then `durationSeconds`, and returns
 * the rate of 2xx responses. Any non-2xx, socket error or timeout, in the warm-up or the run,
 * throws NotAllOkError with the status codes seen.
 */
export async function measure({ label, url, headers = {}, connections, durationSeconds, warmupSeconds }) {
  const result = await autocannon({
    url,
    headers,
    connections,
    duration: durationSeconds,
    ...(warmupSeconds > 0 ? { warmup: { connections, duration: warmupSeconds } } : {}),
    timeout: 30,
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  });
  for (const [phase, run] of [
    ['warm-up', result.warmup],
    ['run', result],
  ]) {
    if (!run) continue;
    if (run.non2xx > 0 || run.errors > 0 || run.timeouts > 0 || run['2xx'] === 0) {
      const codes = Object.entries(run.statusCodeStats ?? {})
        .map(([code, { count }]) => `${code}×${count}`)
        .join(', ');
      throw new NotAllOkError(
        `${label}: ${phase} of GET ${url} was not all 2xx (2xx: ${run['2xx']}, non-2xx: ${run.non2xx}, ` +
          `errors: ${run.errors}, timeouts: ${run.timeouts}; status codes: ${codes || 'none'})`,
      );
    }
  }
  return {
    url,
    responses2xx: result['2xx'],
    durationSeconds: result.duration,
    requestsPerSecond: result['2xx'] / result.duration,
    bytesPerSecond: result.throughput.total / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  };
}
