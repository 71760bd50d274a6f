import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.js';
import { type DaemonProcess, runCli, startDaemonProcess } from './helpers/daemon-process.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const ARTIFACTS = join(repo, 'test-artifacts/ui');
const CLOCK = join(repo, 'tests/fixtures/clean-clock-server');

describe.skipIf(process.platform !== 'linux')(
  'the Run screen in a real browser (playwright-core + Chromium)',
  () => {
    let d: DaemonProcess;
    let context: BrowserContext;
    let page: Page;
    let cspViolations: string[] = [];
    // Tabs are switched from the keyboard (focus + Enter): the panes must be keyboard reachable.
    const openTab = async (name: string) => {
      const tab = page.locator('section.run-detail').getByRole('tab', { name });
      await tab.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => tab.getAttribute('aria-selected')).toBe('true');
    };
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      const work = mkdtempSync(join(tmpdir(), 'mcphub-ui-run-e2e-'));
      d = await startDaemonProcess();
      // A certified package in the registry: pushed with the CLI, certified at level 3 by the pipeline.
      const pushed = await runCli([
        'push',
        CLOCK,
        '--home',
        d.home,
        '--name',
        'local/clock',
        '--version',
        '1.0.0',
        '--wait',
      ]);
      expect(pushed.code, pushed.stderr).toBe(0);
      ({ context, page, cspViolations } = await launchBrowser(work));
    }, 180_000);

    afterAll(async () => {
      await context?.close();
      await d?.stop('SIGKILL');
    });

    it('logs in, starts the certified server under a policy, sees the decision, the isolation and live CPU/memory, calls its tool, uses the terminal, stops it', async () => {
      const loginUrl = /Web UI:\s+(http:\/\/\S+)/.exec(d.stdout())?.[1];
      expect(loginUrl).toBeTruthy();
      await page.goto(loginUrl!);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page
        .getByRole('navigation', { name: 'Screens' })
        .getByRole('link', { name: 'Run', exact: true })
        .click();
      await page.getByRole('heading', { name: 'Run', exact: true }).waitFor();
      await page.getByText('No server is running').waitFor();

      // The policy form: every control is reachable by its label.
      await page.getByLabel('Package').selectOption('local/clock@1.0.0');
      await page.getByLabel('Minimum level').selectOption('3');
      await page.getByLabel('Memory (MB)').fill('192');
      await page.getByLabel('Processes').fill('32');
      await page.getByLabel('Wall time (s)').fill('600');
      await shot('run-policy-form');
      await page.getByRole('button', { name: 'Start under this policy' }).click();

      const detail = page.locator('section.run-detail');
      await detail.getByTestId('decision').getByText('Allowed by policy').waitFor({ timeout: 30_000 });
      const decision = await detail.getByTestId('decision').textContent();
      expect(decision).toContain('minLevel');
      const isolation = detail.getByTestId('isolation');
      await expect.poll(() => isolation.textContent()).toContain('bwrap');
      expect(await isolation.textContent()).toMatch(/pid/);
      expect(await isolation.textContent()).toContain('memory ≤ 192.0 MB');

      // CPU and memory arrive over the SSE stream (no reload): the memory cell changes from "—" to MB.
      const row = page.locator('table.runs tbody tr').first();
      await expect
        .poll(() => row.getByTestId('memory').textContent(), { timeout: 15_000 })
        .toMatch(/\d+\.\d MB/);
      // The sparkline grows sample by sample while nothing reloads the list: the stream is live.
      const samples = () =>
        row
          .getByTestId('memory')
          .locator('svg.sparkline polyline')
          .getAttribute('points')
          .then((p) => p?.split(' ').length ?? 0)
          .catch(() => 0);
      const first = await expect.poll(samples, { timeout: 15_000 }).toBeGreaterThan(1).then(samples);
      await expect.poll(samples, { timeout: 15_000 }).toBeGreaterThan(first);
      await page.getByText('● live').waitFor();
      await shot('run');

      // Tool explorer: the form is generated from current_time's input schema.
      await openTab('Tool explorer');
      await detail.getByRole('button', { name: 'Call current_time' }).waitFor();
      await detail.getByLabel(/timeZone/).fill('Europe/Paris');
      await detail.getByRole('button', { name: 'Call current_time' }).click();
      const result = detail.getByRole('status').filter({ hasText: 'Result' });
      await result.waitFor();
      expect(await result.textContent()).toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
      await shot('run-tool-explorer');

      // Terminal: a shell inside the sandbox, over the WebSocket.
      expect(cspViolations).toEqual([]);
      await openTab('Terminal');
      const term = detail.getByTestId('terminal');
      await detail.getByText('A shell in the server').waitFor({ timeout: 15_000 });
      await term.click();
      await page.keyboard.type('echo sandbox-is-$(hostname)\n');
      await expect.poll(() => term.textContent(), { timeout: 15_000 }).toContain('sandbox-is-mcphub');
      await shot('run-terminal');

      // Stderr log pane (this server writes none: the empty state says so).
      await openTab('Stderr log');
      await detail.getByText('nothing to stderr yet').or(detail.getByTestId('log')).waitFor();

      // Stop, with confirmation; the row turns to exited through the event stream.
      await detail.getByRole('button', { name: 'Stop', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: /Stop local\/clock@1.0.0/ });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Stop the server' }).click();
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('exited');
      expect(await row.textContent()).toContain('killed');
      await shot('run-stopped');

      // xterm.js adds <style> elements: the CSP refuses them (the pane mirrors them into a constructed
      // stylesheet); nothing else may be refused.
      expect(cspViolations.filter((v) => !/Applying inline style violates .*style-src/.test(v))).toEqual([]);
    }, 180_000);

    it('shows a policy denial with the rule, what it saw and how to allow it, and starts nothing', async () => {
      const { writeFileSync, rmSync } = await import('node:fs');
      const policy = join(d.home, 'policy.json');
      writeFileSync(policy, JSON.stringify({ origins: ['acme/*'] }));
      try {
        await page.reload();
        await page.getByRole('heading', { name: 'Run', exact: true }).waitFor();
        await page.getByLabel('Package').selectOption('local/clock@1.0.0');
        await page.getByRole('button', { name: 'Start under this policy' }).click();
        const denial = page.getByRole('alert').filter({ hasText: 'Denied by policy' });
        await denial.waitFor({ timeout: 30_000 });
        expect(await denial.textContent()).toContain('origins.org');
        expect(await denial.textContent()).toContain('To allow');
        await shot('run-denied');
        expect(await page.locator('table.runs tbody tr').count()).toBe(1); // only the stopped run
      } finally {
        rmSync(policy);
      }
    }, 60_000);
  },
);
