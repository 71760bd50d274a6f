import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/schema.js';
import { createLogger } from '../logger.js';
import { RunManager } from './run-manager.js';

const manager = (policy?: unknown) => {
  const home = mkdtempSync(join(tmpdir(), 'mcphub-runs-'));
  if (policy !== undefined) writeFileSync(join(home, 'policy.json'), JSON.stringify(policy));
  return new RunManager({
    config: defaultConfig(home),
    logger: createLogger('silent'),
    jwks: { keys: [] },
    registries: ['http://127.0.0.1:9'],
  });
};

describe("RunManager's effective policy (the daemon's policy file, then the request)", () => {
  it('defaults to no network and the default limits when there is no file and no request', async () => {
    const p = await manager().effectivePolicy({});
    expect(p.network).toEqual({ mode: 'none', allow: [] });
    expect(p.minLevel).toBe(0);
    expect(p.filesystem.mounts).toEqual([]);
  });

  it('a request cannot lower the minimum level the file sets (downgrade attack), only raise it', async () => {
    const m = manager({ minLevel: 2 });
    expect((await m.effectivePolicy({ minLevel: 0 })).minLevel).toBe(2);
    expect((await m.effectivePolicy({ minLevel: 3 })).minLevel).toBe(3);
  });

  it("keeps the file's mounts and env (a request has no way to add any) and layers the request's limits", async () => {
    const m = manager({
      filesystem: { mounts: [{ host: '/srv/data', sandbox: '/data' }] },
      limits: { memoryMb: 512, pids: 100 },
    });
    const p = await m.effectivePolicy({
      limits: { memoryMb: 128 },
      network: { mode: 'allowlist', allow: ['api.example.com:443'] },
    });
    expect(p.filesystem.mounts).toEqual([{ host: '/srv/data', sandbox: '/data', writable: false }]);
    expect(p.limits).toMatchObject({ memoryMb: 128, pids: 100 });
    expect(p.network).toEqual({ mode: 'allowlist', allow: ['api.example.com:443'] });
  });

  it("a request cannot widen what the daemon's policy file states (network, limits): policy widening is refused, narrowing is fine", async () => {
    const none = manager({ network: { mode: 'none' }, limits: { memoryMb: 256 } });
    await expect(
      none.effectivePolicy({ network: { mode: 'allowlist', allow: ['api.example.com:443'] } }),
    ).rejects.toMatchObject({ code: 'HUB_ERR_FORBIDDEN', message: expect.stringContaining('network') });
    await expect(none.effectivePolicy({ limits: { memoryMb: 1024 } })).rejects.toMatchObject({
      code: 'HUB_ERR_FORBIDDEN',
      message: expect.stringContaining('limits.memoryMb'),
    });
    expect((await none.effectivePolicy({ limits: { memoryMb: 128, pids: 64 } })).limits).toMatchObject({
      memoryMb: 128,
      pids: 64,
    });
    const some = manager({ network: { mode: 'allowlist', allow: ['a.example:443', 'b.example:443'] } });
    expect(
      (await some.effectivePolicy({ network: { mode: 'allowlist', allow: ['b.example:443'] } })).network,
    ).toEqual({ mode: 'allowlist', allow: ['b.example:443'] });
    expect((await some.effectivePolicy({ network: { mode: 'none' } })).network.mode).toBe('none');
    await expect(
      some.effectivePolicy({ network: { mode: 'allowlist', allow: ['c.example:443'] } }),
    ).rejects.toMatchObject({ code: 'HUB_ERR_FORBIDDEN', message: expect.stringContaining('c.example:443') });
  });

  it('a bad allowlist entry is a coded validation error and starts nothing', async () => {
    await expect(
      manager().effectivePolicy({ network: { mode: 'allowlist', allow: ['not a host'] } }),
    ).rejects.toMatchObject({ code: 'HUB_ERR_VALIDATION' });
  });

  it('simultaneous starts at the cap cannot all pass it: the ones past it are refused at once (HUB_ERR_CONFLICT)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mcphub-runs-'));
    const m = new RunManager({
      config: defaultConfig(home),
      logger: createLogger('silent'),
      jwks: { keys: [] },
      registries: ['http://127.0.0.1:9'],
      maxRunning: 1,
    });
    const [first, second] = await Promise.allSettled([
      m.start('local/x@1.0.0', {}, 'me'),
      m.start('local/y@1.0.0', {}, 'me'),
    ]);
    // The first got as far as the (unreachable) registry; the second never started pulling.
    expect(first).toMatchObject({ status: 'rejected' });
    expect((first as PromiseRejectedResult).reason.code).not.toBe('HUB_ERR_CONFLICT');
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'HUB_ERR_CONFLICT' } });
    // Once the first start is over, the slot is free again.
    await expect(m.start('local/z@1.0.0', {}, 'me')).rejects.not.toMatchObject({ code: 'HUB_ERR_CONFLICT' });
    await m.close();
  });

  it('an unknown run is a 404; a refused start after close() says the daemon is shutting down', async () => {
    const m = manager();
    expect(() => m.get('nope')).toThrow(expect.objectContaining({ code: 'HUB_ERR_NOT_FOUND' }));
    await m.close();
    await expect(m.start('local/x@1.0.0', {}, 'me')).rejects.toMatchObject({ code: 'HUB_ERR_SHUTTING_DOWN' });
  });
});
