// `npm run bench -- <name> [args]` runs bench/<name>.mjs; without a name, every benchmark in turn.
// Each benchmark module exports `description` and `run(args)`, which resolves with an exit code;
// an error it throws exits with the error's `exitCode` (2 for a usage error), else 1.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));

function available() {
  return readdirSync(BENCH_DIR)
    .filter((file) => file.endsWith('.mjs') && file !== 'run.mjs')
    .map((file) => file.slice(0, -'.mjs'.length))
    .sort();
}

async function load(name) {
  return import(new URL(`./${name}.mjs`, import.meta.url).href);
}

async function listing() {
  const lines = [];
  for (const name of available()) lines.push(`  ${name.padEnd(12)} ${(await load(name)).description ?? ''}`);
  return lines.join('\n');
}

async function main(argv) {
  const [name, ...args] = argv;
  const names = available();
  if (name === '--help' || name === '-h' || name === 'list') {
    process.stdout.write(`usage: npm run bench [-- <name> [args]]\n\nbenchmarks:\n${await listing()}\n`);
    return 0;
  }
  if (name !== undefined && !names.includes(name)) {
    process.stderr.write(
      `bench: unknown benchmark ${JSON.stringify(name)}\n\navailable benchmarks:\n${await listing()}\n`,
    );
    return 2;
  }
  let worst = 0;
  for (const each of name === undefined ? names : [name]) {
    const mod = await load(each);
    try {
      worst = Math.max(worst, await mod.run(name === undefined ? [] : args));
    } catch (err) {
      process.stderr.write(`bench ${each}: ${err.message}\n`);
      worst = Math.max(worst, err.exitCode ?? 1);
    }
  }
  return worst;
}

process.exitCode = await main(process.argv.slice(2));
