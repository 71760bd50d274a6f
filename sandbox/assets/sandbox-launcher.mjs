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

// Transparent routes: allowlisted names resolve (via the sandbox's /etc/hosts) to 127.0.0.N; each
// connection there is tunnelled to the host proxy as CONNECT name:port, so clients that ignore
// proxy variables (Node 20 fetch, database drivers) still reach — only — the allowed hosts.
let routes = [];
try {
  routes = JSON.parse(process.env.MCPHUB_TRANSPARENT || '[]');
} catch {
  routes = [];
}

function tunnel(client, host, targetPort) {
  client.pause();
  const up = connect(socketPath);
  let head = Buffer.alloc(0);
  const end = () => {
    client.destroy();
    up.destroy();
  };
  client.on('error', end);
  up.on('error', end);
  client.on('close', end);
  up.on('close', end);
  up.write(`CONNECT ${host}:${targetPort} HTTP/1.1\r\nHost: ${host}:${targetPort}\r\n\r\n`);
  const onHead = (chunk) => {
    head = Buffer.concat([head, chunk]);
    const i = head.indexOf('\r\n\r\n');
    if (i < 0) return;
    up.removeListener('data', onHead);
    if (!/^HTTP\/1\.[01] 200/.test(head.toString('latin1', 0, i))) return end();
    const rest = head.subarray(i + 4);
    if (rest.length) client.write(rest);
    client.pipe(up);
    up.pipe(client);
  };
  up.on('data', onHead);
}

// The proxy bridge is required; a transparent route that cannot listen is reported and skipped
// (clients can still use the proxy variables).
function listenAll(servers, done) {
  let pending = servers.length;
  if (pending === 0) return done();
  for (const { server, port: p, host: h, required } of servers) {
    server.on('error', (err) => {
      process.stderr.write(`mcphub launcher: cannot listen on ${h}:${p}: ${err.message}\n`);
      if (required) process.exit(125);
      if (--pending === 0) done();
    });
    server.listen(p, h, () => {
      if (--pending === 0) done();
    });
  }
}

const transparentServers = routes.map((r) => ({
  server: createServer((client) => tunnel(client, r.host, r.port)),
  host: r.ip,
  port: r.port,
}));

listenAll([{ server: bridge, host: '127.0.0.1', port, required: true }, ...transparentServers], () => {
  const env = { ...process.env };
  delete env.MCPHUB_PROXY_SOCKET;
  delete env.MCPHUB_PROXY_PORT;
  delete env.MCPHUB_TRANSPARENT;
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
    for (const t of transparentServers) t.server.close();
    process.exit(code ?? 128 + (signal ? (constantsSignal(signal) ?? 1) : 1));
  });
});

function constantsSignal(name) {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 }[name];
}
