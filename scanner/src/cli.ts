#!/usr/bin/env node
import { runScanCli } from './cli/run-scan-cli.js';

process.exitCode = await runScanCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
