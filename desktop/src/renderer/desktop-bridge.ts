import type { DesktopBridge } from '../shared/ipc.js';

/** The Electron preload's bridge, or null in a plain browser (every desktop extra is optional). */
export const desktop: DesktopBridge | null = (window as unknown as { mcphub?: DesktopBridge }).mcphub ?? null;
