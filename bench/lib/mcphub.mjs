import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runNode, startNodeProcess } from './processes.mjs';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../daemon/dist/cli/main.js', import.meta.url));

// The daemon layers config from MCPHUB_* variables; a developer's own settings must not leak in.
export function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MCPHUB_')));
}

function assertBuilt() {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`npm run build\` (or \`npm run bench\`, which builds first)`);
}

/** Starts our daemon (hub + registry on ephemeral loopback ports) with its data in `home`. */
export async function startMcpHub(home) {
  assertBuilt();
  const args = [
    CLI,
    'daemon',
    '--home',
    home,
    '--hub-port',
    '0',
    '--registry-port',
    '0',
    '--log-level',
    'warn',
  ];
  const proc = await startNodeProcess(
    'mcphub daemon',
    args,
    { registry: /^\s*Registry:\s+(http\S+)/ },
    {
      cwd: REPO_ROOT,
      env: cleanEnv(),
    },
  );
  return { url: proc.values.registry.replace(/\/$/, ''), stop: proc.stop, stderr: proc.stderr };
}

/** Mints a registry token with the hub key in `home`, through the CLI as a user would. */
export async function mintToken(home, scope, resource) {
  const out = await runNode(
    `mcphub token create --scope ${scope}`,
    [CLI, 'token', 'create', '--home', home, '--scope', scope, '--resource', resource, '--ttl', '1h'],
    { cwd: REPO_ROOT, env: cleanEnv() },
  );
  const token = out.trim().split('\n').pop().trim();
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new Error(`mcphub token create printed no JWT: ${out}`);
  return token;
}

/** Publishes through the CLI (`mcphub publish`), as a user would. */
export async function publishToMcpHub(url, token, bundlePath, manifestPath) {
  return runNode(
    'mcphub publish',
    [CLI, 'publish', bundlePath, '--manifest', manifestPath, '--registry', url, '--token', token],
    { cwd: REPO_ROOT, env: cleanEnv() },
  );
}
