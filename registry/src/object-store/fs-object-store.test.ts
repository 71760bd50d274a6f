import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from './fs-object-store.js';
import { describeObjectStoreContract } from './object-store.contract.js';

describeObjectStoreContract('FsObjectStore', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'registry-fs-store-'));
  return { store: new FsObjectStore({ root }), close: () => rm(root, { recursive: true, force: true }) };
});

describe('FsObjectStore specifics', () => {
  it('never writes outside its root and cleans its temp files after a failed put', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'registry-fs-escape-'));
    const root = path.join(parent, 'root');
    const store = new FsObjectStore({ root });
    await store.ensureBucket('bucket');
    await expect(store.put('bucket', '../../outside', Buffer.from('x'))).rejects.toThrow();
    expect(await readdir(parent)).toEqual(['root']);
    const controller = new AbortController();
    controller.abort();
    await expect(store.put('bucket', 'k', Buffer.from('x'), { signal: controller.signal })).rejects.toThrow();
    const tempEntries = await readdir(path.join(root, '.tmp')).catch(() => []);
    expect(tempEntries).toEqual([]);
    await rm(parent, { recursive: true, force: true });
  });

  it('sweeps in-flight files abandoned by a crash, and only old ones', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'registry-fs-sweep-'));
    const store = new FsObjectStore({ root });
    await mkdir(path.join(root, '.tmp'), { recursive: true });
    await writeFile(path.join(root, '.tmp', 'abandoned'), 'x');
    const old = new Date(Date.now() - 48 * 3600 * 1000);
    await utimes(path.join(root, '.tmp', 'abandoned'), old, old);
    await writeFile(path.join(root, '.tmp', 'in-flight'), 'x');
    expect(await store.sweepTemporaryFiles()).toBe(1);
    expect(await readdir(path.join(root, '.tmp'))).toEqual(['in-flight']);
    await rm(root, { recursive: true, force: true });
  });
});
