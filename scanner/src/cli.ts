#!/usr/bin/env node
import { runScanCli } from './cli/run-scan-cli.js';

// `mcphub-scan … | head`: a closed pipe ends the output, it is not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await runScanCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
