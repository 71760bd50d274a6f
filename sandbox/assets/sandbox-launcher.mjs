// Runs *inside* the sandbox (bound read-only at /run/mcphub/launcher.mjs) when the network policy is
// an allowlist. The sandbox's network namespace has only loopback; this bridges 127.0.0.1:<port>
// to the host proxy's Unix socket, then runs the real server with proxy variables pointing at it.
// Usage: node launcher.mjs -- <command> [args...]   (env: MCPHUB_PROXY_SOCKET, MCPHUB_PROXY_PORT)
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

const socketPath = process.env.MCPHUB_PROXY_SOCKET;
const port = Number(process.env.MCPHUB_PROXY_PORT);
const sep = process.argv.indexOf('--');
const [command, ...args] = sep >= 0 ? process.argv.slice(sep + 1) : [];
if (!socketPath || !port || !command) {
  process.stderr.write('mcphub launcher: missing MCPHUB_PROXY_SOCKET, MCPHUB_PROXY_PORT or command\n');
  process.exit(125);
}

const bridge = createServer((client) => {
  const up = connect(socketPath);
  client.pipe(up);
  up.pipe(client);
  const end = () => {
    client.destroy();
    up.destroy();
  };
  client.on('error', end);
  up.on('error', end);
  client.on('close', end);
  up.on('close', end);
});
bridge.on('error', (err) => {
  process.stderr.write(`mcphub launcher: bridge failed: ${err.message}\n`);
  process.exit(125);
});

bridge.listen(port, '127.0.0.1', () => {
  const env = { ...process.env };
  delete env.MCPHUB_PROXY_SOCKET;
  delete env.MCPHUB_PROXY_PORT;
  const child = spawn(command, args, { stdio: 'inherit', env });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(sig, () => child.kill(sig));
  }
  child.on('error', (err) => {
    process.stderr.write(`mcphub launcher: cannot start ${command}: ${err.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    bridge.close();
    process.exit(code ?? 128 + (signal ? (constantsSignal(signal) ?? 1) : 1));
  });
});

function constantsSignal(name) {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 }[name];
}
