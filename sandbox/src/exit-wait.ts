import type { ChildProcess } from 'node:child_process';

/**
 * Resolves when the child has exited *and* its stdio has drained ('close'), so a caller that
 * awaits the exit has all the output. If something outside keeps a pipe open after the exit, give
 * up waiting for the drain after `drainMs`.
 */
export function childExited(
  child: ChildProcess,
  drainMs = 2000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    child.once('exit', (code, signal) => {
      timer = setTimeout(() => resolve({ code, signal }), drainMs);
      timer.unref();
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal });
    });
    child.once('error', () => resolve({ code: null, signal: null }));
  });
}

/**
 * After the child is gone, let a consumer that is already reading see the end of the output before
 * the exit is reported: wait for flowing streams to end (bounded), then one macrotask turn.
 */
export async function drainStreams(
  streams: (import('node:stream').Readable | null)[],
  maxMs = 1000,
): Promise<void> {
  await Promise.all(
    streams.map((s) =>
      !s || s.readableEnded || !s.readableFlowing
        ? undefined
        : new Promise<void>((resolve) => {
            const t = setTimeout(resolve, maxMs);
            t.unref();
            s.once('end', () => {
              clearTimeout(t);
              resolve();
            });
            s.once('close', () => {
              clearTimeout(t);
              resolve();
            });
          }),
    ),
  );
  await new Promise((r) => setImmediate(r));
}
