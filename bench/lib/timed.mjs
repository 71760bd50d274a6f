// Runs a command to completion and measures it from outside: wall time (parent's clock), and, with
// GNU time (`/usr/bin/time -v`) when installed, peak RSS and CPU seconds of the process tree's
// largest process. The same wrapper measures our scanner and its peer, so neither is favoured.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const GNU_TIME = '/usr/bin/time';
export const hasGnuTime = () => existsSync(GNU_TIME);

/**
 * Resolves with {code, stdout, stderr, wallMs, maxRssKiB, cpuSeconds}; maxRssKiB and cpuSeconds
 * are null without GNU time. `okCodes` lists the exit codes that count as success.
 */
export function runTimed(label, command, args, { cwd, env, okCodes = [0] } = {}) {
  const gnu = hasGnuTime();
  const [file, argv] = gnu ? [GNU_TIME, ['-v', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.once('error', (e) => reject(new Error(`${label} could not start: ${e.message}`)));
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      const stdout = Buffer.concat(out).toString('utf8');
      let stderr = Buffer.concat(err).toString('utf8');
      let maxRssKiB = null;
      let cpuSeconds = null;
      if (gnu) {
        const at = stderr.lastIndexOf('\tCommand being timed:');
        const stats = at === -1 ? '' : stderr.slice(at);
        if (at !== -1) stderr = stderr.slice(0, at);
        const num = (re) => {
          const m = re.exec(stats);
          return m ? Number(m[1]) : null;
        };
        maxRssKiB = num(/Maximum resident set size \(kbytes\): (\d+)/);
        const user = num(/User time \(seconds\): ([\d.]+)/);
        const sys = num(/System time \(seconds\): ([\d.]+)/);
        cpuSeconds = user === null || sys === null ? null : user + sys;
        const status = num(/Exit status: (\d+)/);
        if (status !== null) code = status;
      }
      if (!okCodes.includes(code)) {
        reject(new Error(`${label} exited with ${code}: ${(stderr.trim() || stdout.trim()).slice(-2000)}`));
        return;
      }
      resolve({ code, stdout, stderr, wallMs, maxRssKiB, cpuSeconds });
    });
  });
}
