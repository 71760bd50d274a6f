// Electron composition root: supervises the daemon and shows the UI it serves. Nothing here is
// domain logic; the supervisor and the IPC handlers are plain modules with their own tests.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, shell, Tray } from 'electron';
import { createIpcHandlers, dispatchIpc } from './ipc-handlers.js';
import { DaemonSupervisor, requestLoginUrl } from './supervisor.js';

const home = process.env.MCPHUB_HOME ?? join(homedir(), '.mcphub');
// Packaged: the daemon and its native modules are unpacked next to the asar (electron-builder.yml).
const appRoot = fileURLToPath(new URL('../../../', import.meta.url)).replace(
  /app\.asar([\\/]|$)/,
  'app.asar.unpacked$1',
);
const daemonCli = join(appRoot, 'daemon/dist/cli/main.js');

if (!app.requestSingleInstanceLock()) app.quit();

const supervisor = new DaemonSupervisor({
  spawn: () =>
    spawn(process.execPath, [daemonCli, 'daemon', '--home', home], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ELECTRON_RUN_AS_NODE: '1',
        MCPHUB_UI_DIR: join(appRoot, 'desktop/dist-renderer'),
      },
    }),
});

let win: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting = false;

const hubOrigin = () => (supervisor.status.hubUrl ? new URL(supervisor.status.hubUrl).origin : null);

let usedBannerLink = false;
async function loginUrl(): Promise<string> {
  const banner = supervisor.banner;
  // The banner's link works once; later windows ask the daemon for a new one with the admin token.
  if (banner.loginUrl && !usedBannerLink) {
    usedBannerLink = true;
    return banner.loginUrl;
  }
  const token = readFileSync(join(home, 'keys', 'admin-token'), 'utf8').trim();
  return requestLoginUrl(banner.hubUrl!, token);
}
async function openWindow(): Promise<void> {
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
    return;
  }
  win = new BrowserWindow({
    width: 1360,
    height: 900,
    title: 'MCP Hub',
    webPreferences: {
      preload: fileURLToPath(new URL('../preload/preload.cjs', import.meta.url)),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // The window only ever shows the hub; anything else opens in the user's browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:/.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (new URL(url).origin !== hubOrigin()) {
      e.preventDefault();
      if (/^https?:/.test(url)) void shell.openExternal(url);
    }
  });
  win.on('closed', () => {
    win = null;
  });
  await win.loadURL(await loginUrl());
}

function updateTray(): void {
  if (!tray) return;
  const s = supervisor.status;
  tray.setToolTip(`MCP Hub: ${s.state}`);
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: `Daemon: ${s.state}${s.restarts ? ` (${s.restarts} restarts)` : ''}`, enabled: false },
      ...(s.lastError ? [{ label: s.lastError.slice(0, 80), enabled: false }] : []),
      { type: 'separator' },
      { label: 'Open MCP Hub', enabled: s.state === 'running', click: () => void openWindow() },
      { label: 'Reveal data folder', click: () => void shell.openPath(home) },
      { type: 'separator' },
      { label: 'Quit', click: () => app.quit() },
    ]),
  );
}

const handlers = createIpcHandlers({
  pickFolder: async () => {
    const r = await dialog.showOpenDialog({
      properties: ['openDirectory'],
      title: 'Choose an MCP server folder',
    });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  },
  // The same deterministic packer as `mcphub push`, loaded from the daemon beside us.
  packFolder: async (path) => {
    const mod = (await import(pathToFileURL(join(appRoot, 'daemon/dist/ingest/pack-directory.js')).href)) as {
      packDirectory(root: string): Promise<{ bytes: Buffer }>;
    };
    return new Uint8Array((await mod.packDirectory(path)).bytes);
  },
  notify: (title, body) => new Notification({ title, body }).show(),
  revealFolder: async (path) => {
    const err = await shell.openPath(path);
    if (err) throw new Error(err);
  },
  dataFolder: home,
  daemonStatus: () => supervisor.status,
});

ipcMain.handle('mcphub', (event, channel: unknown, request: unknown) =>
  dispatchIpc(handlers, channel, request, event.senderFrame?.url ?? '', hubOrigin()),
);

app.on('second-instance', () => void openWindow());
app.on('window-all-closed', () => {
  // Stay in the tray; the daemon keeps certifying.
});
app.on('before-quit', (e) => {
  if (quitting) return;
  e.preventDefault();
  quitting = true;
  void supervisor.stop().finally(() => app.exit(0));
});

supervisor.on('status', updateTray);

void app.whenReady().then(async () => {
  tray = new Tray(join(appRoot, 'desktop/build/tray.png'));
  updateTray();
  try {
    await supervisor.start();
    await openWindow();
  } catch (err) {
    dialog.showErrorBox('MCP Hub could not start its daemon', (err as Error).message);
  }
});
