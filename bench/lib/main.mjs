import { pathToFileURL } from 'node:url';

/**
 * Runs a benchmark module's `run(args)` when its file is executed directly (`node bench/<name>.mjs`),
 * not when `bench/run.mjs` imports it: exit code from its result, or from the error (`exitCode`, else 1).
 */
export function runIfMain(moduleUrl, name, run) {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`bench ${name}: ${err.message}\n`);
      process.exitCode = err.exitCode ?? 1;
    },
  );
}
