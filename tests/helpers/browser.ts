import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const UI_DIST = join(REPO, 'desktop/dist-renderer/index.html');

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy violations the page logged (a test expects none, or only known ones). */
  cspViolations: string[];
}

/**
 * Debian's Chromium, headless, with a fresh profile under `profileDir` (playwright-core cannot
 * download browsers here). Fails naming Chromium when it is missing; builds the UI when only the
 * TypeScript was built (`npm run build` builds both).
 */
export async function launchBrowser(profileDir: string): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the UI tests need Chromium. Install it with: apt-get install -y chromium`,
    );
  if (!existsSync(UI_DIST))
    execFileSync(
      process.execPath,
      [join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.config.ts'],
      {
        cwd: join(REPO, 'desktop'),
        stdio: 'ignore',
      },
    );
  const context = await chromium.launchPersistentContext(join(profileDir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return { context, page, cspViolations };
}
