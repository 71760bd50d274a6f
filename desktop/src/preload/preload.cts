// The renderer's only door to the desktop. A sandboxed preload may only require('electron'), so this
// file imports nothing else at run time; the channel map it follows is in ../shared/ipc.ts.
import electron = require('electron');

import type { DesktopBridge, IpcChannel } from '../shared/ipc.js';

const CHANNELS: readonly IpcChannel[] = [
  'dialog:pickSourceFolder',
  'notify:show',
  'shell:revealDataFolder',
  'daemon:status',
];

const bridge: DesktopBridge = {
  invoke: (channel, request) => {
    if (!CHANNELS.includes(channel)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'DESKTOP_ERR_CHANNEL', message: `unknown channel ${channel}` },
      });
    }
    return electron.ipcRenderer.invoke('mcphub', channel, request);
  },
};

electron.contextBridge.exposeInMainWorld('mcphub', bridge);
