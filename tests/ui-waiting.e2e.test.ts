import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.js';
import { type DaemonProcess, runCli, startDaemonProcess } from './helpers/daemon-process.js';
import { freePort } from './helpers/tcp-proxy.js';

const CLEAN = fileURLToPath(new URL('./fixtures/clean-clock-server', import.meta.url));

describe('web UI with the broker unreachable', () => {
  let d: DaemonProcess | undefined;
  let context: BrowserContext | undefined;
  afterAll(async () => {
    await context?.close();
    await d?.stop('SIGKILL');
  });

  it('shows a job accepted while the remote is down as waiting, not failed', async () => {
    const env = { MCPHUB_AMQP_URL: `amqp://guest:guest@127.0.0.1:${await freePort()}` };
    d = await startDaemonProcess({ env });
    const r = await runCli(
      ['push', CLEAN, '--home', d.home, '--name', 'waiting/clock', '--version', '1.0.0', '--mode', 'fast'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const { jobId } = JSON.parse(r.stdout.trim()) as { jobId: string };
    const loginUrl = /Web UI:\s+(http:\/\/\S+)/.exec(d.stdout())?.[1] ?? '';
    const browser = await launchBrowser(mkdtempSync(join(tmpdir(), 'mcphub-ui-waiting-')));
    context = browser.context;
    const page = browser.page;
    await page.goto(loginUrl);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('QUEUED · waiting for remote').first().waitFor();
    await page.goto(`${d.hubUrl}/#/jobs/${jobId}`);
    await page.getByText('QUEUED · waiting for remote').first().waitFor();
    expect(await page.getByText('FAILED').count()).toBe(0);
  }, 120_000);
});
