/**
 * The one IPC contract between the Electron main process, the preload and the renderer. Every
 * channel names its request and its value; results cross as `IpcResult` because only an Error's
 * message survives `contextBridge`.
 */
export interface IpcChannels {
  /** Native folder picker for Submit: the chosen folder packed as a .tar.gz, or null if cancelled. */
  'dialog:pickSourceFolder': { request: undefined; value: { path: string; tarGz: Uint8Array } | null };
  /** A desktop notification (e.g. a certification finished). */
  'notify:show': { request: { title: string; body: string }; value: null };
  /** Opens MCPHUB_HOME in the file manager. */
  'shell:revealDataFolder': { request: undefined; value: { path: string } };
  /** Daemon supervisor status, for the renderer's footer. */
  'daemon:status': { request: undefined; value: DaemonStatus };
}

export type IpcChannel = keyof IpcChannels;
export const IPC_CHANNELS: readonly IpcChannel[] = [
  'dialog:pickSourceFolder',
  'notify:show',
  'shell:revealDataFolder',
  'daemon:status',
];

export interface DaemonStatus {
  state: 'starting' | 'running' | 'restarting' | 'stopped' | 'failed';
  hubUrl: string | null;
  restarts: number;
  lastError: string | null;
}

export type IpcError = { code: string; message: string };
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** What the preload exposes as `window.mcphub`. */
export interface DesktopBridge {
  invoke<C extends IpcChannel>(
    channel: C,
    request: IpcChannels[C]['request'],
  ): Promise<IpcResult<IpcChannels[C]['value']>>;
}

export const isIpcChannel = (c: unknown): c is IpcChannel =>
  typeof c === 'string' && (IPC_CHANNELS as readonly string[]).includes(c);

/** Runs a handler and wraps its outcome as an IpcResult (errors with a `code` keep it). */
export async function toResult<T>(run: () => Promise<T> | T): Promise<IpcResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    return {
      ok: false,
      error: {
        code: typeof e.code === 'string' ? e.code : 'DESKTOP_ERR_INTERNAL',
        message: String(e.message ?? err),
      },
    };
  }
}
