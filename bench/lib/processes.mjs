import { execFile, spawn } from 'node:child_process';

const STARTUP_TIMEOUT_MS = 60_000; // a hang guard, not a measurement
const STOP_TIMEOUT_MS = 10_000;
const TAIL_CHARS = 4000;

/**
 * Spawns `node <args>` and waits until every pattern in `ready` has matched a line of stdout.
 * Resolves with the first capture group of each pattern (by key) and a `stop()` that sends SIGTERM,
 * then SIGKILL if the process has not exited after a while. Rejects, with the tail of stderr, if
 * the process exits or stays silent first.
 */
export function startNodeProcess(label, args, ready, { cwd, env } = {}) {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdoutTail = '';
  let stderrTail = '';
  let exited = false;
  const exitedPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });
  child.stderr.on('data', (chunk) => {
    stderrTail = (stderrTail + chunk).slice(-TAIL_CHARS);
  });

  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exitedPromise;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    const found = {};
    let buffered = '';
    const fail = (why) => {
      clearTimeout(timer);
      stop().finally(() =>
        reject(
          new Error(
            `${label} ${why}\n--- stdout (tail) ---\n${stdoutTail}\n--- stderr (tail) ---\n${stderrTail}`,
          ),
        ),
      );
    };
    const timer = setTimeout(
      () => fail(`printed no ready line within ${STARTUP_TIMEOUT_MS / 1000} s`),
      STARTUP_TIMEOUT_MS,
    );
    child.stdout.on('data', (chunk) => {
      stdoutTail = (stdoutTail + chunk).slice(-TAIL_CHARS);
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        for (const [key, pattern] of Object.entries(ready)) {
          const match = key in found ? null : pattern.exec(line);
          if (match) found[key] = match[1];
        }
      }
      if (Object.keys(found).length === Object.keys(ready).length) {
        clearTimeout(timer);
        resolve({ child, values: found, stop, exited: exitedPromise, stderr: () => stderrTail });
      }
    });
    child.once('error', (err) => fail(`could not start: ${err.message}`));
    exitedPromise.then(({ code, signal }) => {
      if (Object.keys(found).length < Object.keys(ready).length)
        fail(`exited (code ${code}, signal ${signal}) before it was ready`);
    });
  });
}

/** Runs `node <args>` to completion and resolves with its stdout; rejects with its stderr. */
export function runNode(label, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(
          new Error(`${label} failed (exit ${err.code}): ${stderr.trim() || stdout.trim() || err.message}`),
        );
      } else {
        resolve(stdout);
      }
    });
  });
}
