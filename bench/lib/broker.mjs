// The remote topology's two services for the scale benchmark: an S3 store (s3rver, in this process,
// on loopback) and an isolated virtual host on the RabbitMQ broker, so that a benchmark run neither
// takes nor leaves messages on queues other runs (tests, other benchmarks) use on the same broker.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const RABBITMQCTL = ['/usr/sbin/rabbitmqctl', '/usr/local/sbin/rabbitmqctl', '/usr/bin/rabbitmqctl'].find(
  (path) => existsSync(path),
);

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** Starts s3rver on a free loopback port with its data in `directory`. */
export async function startS3(directory) {
  let S3rver;
  try {
    S3rver = (await import('s3rver')).default;
  } catch (err) {
    throw new Error(`s3rver did not load (${err.message}): run \`npm install\` at the repository root`);
  }
  const port = await freePort();
  const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true });
  await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}

/** The MCPHUB_S3_* variables for a store on `endpoint`, with a bucket prefix of its own. */
export function s3Env(endpoint) {
  return {
    MCPHUB_S3_ENDPOINT: endpoint,
    MCPHUB_S3_ACCESS_KEY: 'S3RVER',
    MCPHUB_S3_SECRET_KEY: 'S3RVER',
    MCPHUB_S3_REGION: 'us-east-1',
    MCPHUB_S3_BUCKET_PREFIX: `b${randomUUID().slice(0, 8)}-`,
  };
}

function rabbitmqctl(args) {
  return new Promise((resolve, reject) => {
    execFile(RABBITMQCTL, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`rabbitmqctl ${args.join(' ')}: ${stderr.trim() || err.message}`))
        : resolve(stdout),
    );
  });
}

/**
 * An AMQP URL for the broker at `baseUrl`. With rabbitmqctl on this machine, a virtual host of its
 * own (created now, deleted by `drop()`), so the queues are this run's alone; without it, the
 * broker's default virtual host, shared, and `isolated` is false.
 */
export async function brokerVhost(baseUrl) {
  const url = new URL(baseUrl);
  if (!RABBITMQCTL) return { url: baseUrl, vhost: '/', isolated: false, drop: async () => {} };
  const vhost = `mcphub-bench-${randomUUID().slice(0, 8)}`;
  const user = decodeURIComponent(url.username || 'guest');
  await rabbitmqctl(['add_vhost', vhost]);
  await rabbitmqctl(['set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    url: url.href,
    vhost,
    isolated: true,
    drop: () => rabbitmqctl(['delete_vhost', vhost]).then(() => undefined),
  };
}
