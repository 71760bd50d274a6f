// Child-process entry: runs Verdaccio on loopback so it gets its own event loop, like our daemon,
// instead of sharing one with the load generator. Prints `listening <url>` once ready.
// Usage: node bench/lib/verdaccio-server.mjs <dataDir>
import { join } from 'node:path';
import { runServer } from 'verdaccio';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: verdaccio-server.mjs <dataDir>\n');
  process.exit(2);
}

const config = {
  configPath: join(dataDir, 'config.yaml'),
  storage: join(dataDir, 'storage'),
  // No uplinks: a package that is not local is a 404, never a request to npmjs.org.
  uplinks: {},
  packages: { '**': { access: '$all', publish: '$all', unpublish: '$all' } },
  auth: { htpasswd: { file: join(dataDir, 'htpasswd'), max_users: 10 } },
  web: { enable: false },
  log: { type: 'stdout', format: 'json', level: 'fatal' },
  max_body_size: '64mb',
  server: { keepAliveTimeout: 60 },
};

const server = await runServer(config);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  // Keep-alive sockets from the load generator would otherwise hold close() open.
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
