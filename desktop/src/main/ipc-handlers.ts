import {
  type DaemonStatus,
  type IpcChannel,
  type IpcChannels,
  type IpcResult,
  isIpcChannel,
  toResult,
} from '../shared/ipc.js';

export type IpcHandlers = {
  [C in IpcChannel]: (request: IpcChannels[C]['request']) => Promise<IpcChannels[C]['value']>;
};

/** What the handlers need from the desktop (Electron's dialog, Notification, shell in main.ts; fakes in tests). */
export interface DesktopServices {
  pickFolder(): Promise<string | null>;
  packFolder(path: string): Promise<Uint8Array>;
  notify(title: string, body: string): void;
  revealFolder(path: string): Promise<void>;
  dataFolder: string;
  daemonStatus(): DaemonStatus;
}

const MAX_TEXT = 500;
const text = (v: unknown, what: string) => {
  if (typeof v !== 'string')
    throw Object.assign(new Error(`${what} must be a string`), { code: 'DESKTOP_ERR_INVALID' });
  return v.slice(0, MAX_TEXT);
};

/** The desktop-only extras, one handler per channel of the shared map. */
export function createIpcHandlers(s: DesktopServices): IpcHandlers {
  return {
    'dialog:pickSourceFolder': async () => {
      const path = await s.pickFolder();
      return path ? { path, tarGz: await s.packFolder(path) } : null;
    },
    'notify:show': async (req) => {
      const r = req as { title?: unknown; body?: unknown } | undefined;
      s.notify(text(r?.title, 'title'), text(r?.body ?? '', 'body'));
      return null;
    },
    'shell:revealDataFolder': async () => {
      await s.revealFolder(s.dataFolder);
      return { path: s.dataFolder };
    },
    'daemon:status': async () => s.daemonStatus(),
  };
}

/**
 * Dispatches one invocation: refuses unknown channels and foreign senders (only the hub's own
 * origin may call the bridge), and turns every outcome into an IpcResult.
 */
export function dispatchIpc(
  handlers: IpcHandlers,
  channel: unknown,
  request: unknown,
  senderUrl: string,
  trustedOrigin: string | null,
): Promise<IpcResult<unknown>> {
  return toResult(async () => {
    if (!isIpcChannel(channel)) {
      throw Object.assign(new Error(`unknown channel ${String(channel)}`), { code: 'DESKTOP_ERR_CHANNEL' });
    }
    let origin: string | null = null;
    try {
      origin = new URL(senderUrl).origin;
    } catch {
      origin = null;
    }
    if (!trustedOrigin || origin !== trustedOrigin) {
      throw Object.assign(new Error('the bridge only answers the MCP Hub UI'), {
        code: 'DESKTOP_ERR_SENDER',
      });
    }
    return (handlers[channel] as (r: unknown) => Promise<unknown>)(request);
  });
}
