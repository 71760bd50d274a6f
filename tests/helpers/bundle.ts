import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';

export interface BuiltBundle {
  file: string;
  bytes: Buffer;
  digest: string;
  manifest: Record<string, unknown>;
  manifestFile: string;
}

/** Packs a tiny MCP server (plus `padBytes` of random data) into a gzip tarball with a manifest. */
export async function buildBundle(name: string, version: string, padBytes = 0): Promise<BuiltBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'mcphub-bundle-'));
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'index.js'), `console.error('hello from ${name}@${version}');\n`);
  if (padBytes > 0) writeFileSync(join(src, 'pad.bin'), randomBytes(padBytes));
  const file = join(dir, 'bundle.tar.gz');
  await create({ gzip: true, file, cwd: src, portable: true, mtime: new Date(0) }, ['.']);
  const bytes = readFileSync(file);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const manifest = {
    schemaVersion: 1,
    name,
    version,
    runtime: { type: 'node', entrypoint: 'index.js' },
    bundle: { mediaType: 'application/vnd.mcphub.bundle.v1.tar+gzip', digest, size: bytes.length },
  };
  const manifestFile = join(dir, 'manifest.json');
  writeFileSync(manifestFile, JSON.stringify(manifest));
  return { file, bytes, digest, manifest, manifestFile };
}
