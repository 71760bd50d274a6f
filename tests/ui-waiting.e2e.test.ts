import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, runCli, startDaemonProcess } from './helpers/daemon-process.js';
import { freePort } from './helpers/tcp-proxy.js';

const CHROMIUM = '/usr/bin/chromium';
const repo = fileURLToPath(new URL('..', import.meta.url));
const UI_DIST = join(repo, 'desktop/dist-renderer/index.html');
const CLEAN = fileURLToPath(new URL('./fixtures/clean-clock-server', import.meta.url));

describe('web UI with the broker unreachable', () => {
  let d: DaemonProcess | undefined;
  let context: BrowserContext | undefined;
  afterAll(async () => {
    await context?.close();
    await d?.stop('SIGKILL');
  });

  it('shows a job accepted while the remote is down as waiting, not failed', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install it with: apt-get install -y chromium`);
    if (!existsSync(UI_DIST)) throw new Error(`${UI_DIST} is missing: run npm run build -w desktop first`);
    const env = { MCPHUB_AMQP_URL: `amqp://guest:guest@127.0.0.1:${await freePort()}` };
    d = await startDaemonProcess({ env });
    const r = await runCli(
      ['push', CLEAN, '--home', d.home, '--name', 'waiting/clock', '--version', '1.0.0', '--mode', 'fast'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const { jobId } = JSON.parse(r.stdout.trim()) as { jobId: string };
    const loginUrl = /Web UI:\s+(http:\/\/\S+)/.exec(d.stdout())?.[1] ?? '';
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'mcphub-ui-waiting-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(loginUrl);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('QUEUED · waiting for remote').first().waitFor();
    await page.goto(`${d.hubUrl}/#/jobs/${jobId}`);
    await page.getByText('QUEUED · waiting for remote').first().waitFor();
    expect(await page.getByText('FAILED').count()).toBe(0);
  }, 120_000);
});
