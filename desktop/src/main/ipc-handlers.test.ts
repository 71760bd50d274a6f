import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../shared/ipc.js';
import { createIpcHandlers, type DesktopServices, dispatchIpc } from './ipc-handlers.js';

const services = (over: Partial<DesktopServices> = {}): DesktopServices => ({
  pickFolder: async () => '/home/me/server',
  packFolder: async () => new Uint8Array([31, 139]),
  notify: vi.fn(),
  revealFolder: vi.fn(async () => undefined),
  dataFolder: '/home/me/.mcphub',
  daemonStatus: () => ({ state: 'running', hubUrl: 'http://127.0.0.1:8080', restarts: 0, lastError: null }),
  ...over,
});
const HUB = 'http://127.0.0.1:8080';

describe('desktop IPC', () => {
  it('has one handler per channel of the shared map', () => {
    expect(Object.keys(createIpcHandlers(services())).sort()).toEqual([...IPC_CHANNELS].sort());
  });

  it('answers {ok, value}: the folder picker packs the chosen folder, or null when cancelled', async () => {
    const h = createIpcHandlers(services());
    await expect(
      dispatchIpc(h, 'dialog:pickSourceFolder', undefined, `${HUB}/#/submit`, HUB),
    ).resolves.toEqual({
      ok: true,
      value: { path: '/home/me/server', tarGz: new Uint8Array([31, 139]) },
    });
    const cancelled = createIpcHandlers(services({ pickFolder: async () => null }));
    await expect(dispatchIpc(cancelled, 'dialog:pickSourceFolder', undefined, HUB, HUB)).resolves.toEqual({
      ok: true,
      value: null,
    });
  });

  it('answers {ok: false, error: {code, message}} when a handler fails', async () => {
    const h = createIpcHandlers(
      services({
        packFolder: async () => {
          throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        },
      }),
    );
    await expect(dispatchIpc(h, 'dialog:pickSourceFolder', undefined, HUB, HUB)).resolves.toEqual({
      ok: false,
      error: { code: 'EACCES', message: 'EACCES: permission denied' },
    });
    await expect(dispatchIpc(h, 'notify:show', { title: 42 }, HUB, HUB)).resolves.toMatchObject({
      ok: false,
      error: { code: 'DESKTOP_ERR_INVALID' },
    });
  });

  it('refuses unknown channels and pages that are not the hub UI', async () => {
    const s = services();
    const h = createIpcHandlers(s);
    await expect(dispatchIpc(h, 'fs:readFile', '/etc/passwd', HUB, HUB)).resolves.toMatchObject({
      ok: false,
      error: { code: 'DESKTOP_ERR_CHANNEL' },
    });
    await expect(
      dispatchIpc(h, 'shell:revealDataFolder', undefined, 'https://attacker.example/', HUB),
    ).resolves.toMatchObject({
      ok: false,
      error: { code: 'DESKTOP_ERR_SENDER' },
    });
    expect(s.revealFolder).not.toHaveBeenCalled();
    await expect(dispatchIpc(h, 'shell:revealDataFolder', undefined, HUB, HUB)).resolves.toEqual({
      ok: true,
      value: { path: '/home/me/.mcphub' },
    });
  });
});

describe('preload', () => {
  it('lets through exactly the channels of the shared map (it cannot import it at run time)', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../preload/preload.cts', import.meta.url), 'utf8');
    const listed = /const CHANNELS[^=]*=\s*\[([^\]]*)\]/.exec(text)?.[1] ?? '';
    expect(
      listed
        .match(/'[^']+'/g)
        ?.map((s) => s.slice(1, -1))
        .sort(),
    ).toEqual([...IPC_CHANNELS].sort());
  });
});
