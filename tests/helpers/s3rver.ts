import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { freePort } from './tcp-proxy.js';

/** s3rver on a free loopback port with its data in a fresh temporary folder (access key = secret = S3RVER). */
export async function startS3rver(): Promise<{ server: S3rver; port: number; directory: string }> {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'mcphub-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true });
  await server.run();
  return { server, port, directory };
}
