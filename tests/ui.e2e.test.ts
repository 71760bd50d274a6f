import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, startDaemonProcess } from './helpers/daemon-process.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const UI_DIST = join(repo, 'desktop/dist-renderer/index.html');
const ARTIFACTS = join(repo, 'test-artifacts/ui');
const VULNERABLE = join(repo, 'tests/fixtures/vulnerable-notes-server');

/** A raw HTTP request, so the test can send the Host and Origin headers an attacker's page would. */
function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        headers: opts.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('web UI in a real browser (playwright-core + Chromium)', () => {
  let d: DaemonProcess;
  let context: BrowserContext;
  let page: Page;
  let loginUrl: string;
  let archive: string;
  const cspViolations: string[] = [];
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name, exact: true });
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: the UI tests need Chromium. Install it with: apt-get install -y chromium`,
      );
    }
    if (!existsSync(UI_DIST)) {
      // `npm run build` builds the UI; build it here when only the TypeScript was built.
      execFileSync(
        process.execPath,
        [join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.config.ts'],
        {
          cwd: join(repo, 'desktop'),
          stdio: 'ignore',
        },
      );
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), 'mcphub-ui-e2e-'));
    archive = join(work, 'vulnerable-notes-server.tar.gz');
    await createTar({ gzip: true, file: archive, cwd: VULNERABLE, portable: true }, ['.']);
    d = await startDaemonProcess();
    loginUrl = /Web UI:\s+(http:\/\/\S+)/.exec(d.stdout())?.[1] ?? '';
    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1360, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await d?.stop('SIGKILL');
  });

  it('the daemon prints a one-time login URL on its own address', () => {
    expect(loginUrl).toMatch(new RegExp(`^${d.hubUrl}/login\\?token=[A-Za-z0-9_-]{40,}$`));
  });

  it('before login the UI says how to sign in; the login link sets an HttpOnly SameSite=Strict cookie and lands on Overview', async () => {
    await page.goto(d.hubUrl);
    await page.getByText('You are not signed in').waitFor();
    await shot('00-not-signed-in');
    const res = await page.goto(loginUrl);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('No certified server yet').waitFor();
    const [cookie] = await context.cookies(d.hubUrl);
    expect(cookie).toMatchObject({ name: 'mcphub_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    await shot('01-overview-empty');
    // The link is spent: a second visit is refused.
    const again = await raw(loginUrl);
    expect(again.status).toBe(401);
  });

  it('submits the vulnerable server as a .tar.gz and watches its timeline reach PUBLISHED live', async () => {
    await nav('Submit').click();
    await page.getByRole('heading', { name: 'Submit a server' }).waitFor();
    await page.getByLabel('Name').fill('local/notes');
    await page.getByLabel('Version').fill('1.0.0');
    await page.getByLabel('Archive (.tar.gz)').setInputFiles(archive);
    await page.getByText('Selected: vulnerable-notes-server.tar.gz').waitFor();
    await page.getByRole('button', { name: 'Submit for certification' }).click();
    const timeline = page.getByRole('list', { name: 'Job timeline' });
    await timeline.waitFor();
    await shot('02-submit-in-progress');
    await timeline.locator('li.current', { hasText: 'PUBLISHED' }).waitFor({ timeout: 90_000 });
    for (const state of [
      'QUEUED',
      'DISPATCHED',
      'ANALYZING',
      'ANALYZED',
      'SCORED',
      'CERTIFIED',
      'PUBLISHED',
    ]) {
      const step = timeline.locator('li.done .step-name', { hasText: new RegExp(`^${state}$`) });
      // The last step turns from "current" to "done" on the next render: wait for it, then count.
      await step.first().waitFor({ timeout: 10_000 });
      await expect(step.count()).resolves.toBe(1);
    }
    await shot('03-submit-published');
  }, 120_000);

  it('a folder chosen in the browser is packed as .tar.gz client-side and certified too', async () => {
    await nav('Submit').click();
    await page.getByLabel('Name').fill('local/notes-folder');
    await page.getByLabel('Version').fill('2.0.0');
    await page.getByLabel('Folder', { exact: true }).setInputFiles(VULNERABLE);
    await page.getByText(/Selected: vulnerable-notes-server \(2 files, packed as \.tar\.gz\)/).waitFor();
    await page.getByRole('button', { name: 'Submit for certification' }).click();
    await page.getByRole('heading', { name: /local\/notes-folder@2\.0\.0/ }).waitFor();
    const timeline = page.getByRole('list', { name: 'Job timeline' });
    await timeline.locator('li.current', { hasText: 'PUBLISHED' }).waitFor({ timeout: 90_000 });
    await page.getByRole('link', { name: /Open the results/ }).click();
    await page.getByRole('heading', { name: /local\/notes-folder@2\.0\.0/ }).waitFor();
    // Back to the first submission for the next steps.
    await nav('Overview').click();
    await page.getByRole('link', { name: 'local/notes@1.0.0' }).click();
  }, 120_000);

  it('opens the version: score split, level, failing controls, findings with code frame, trace and remediation, SBOM, verified attestation', async () => {
    await page.getByRole('heading', { name: /local\/notes@1\.0\.0/ }).waitFor();
    await page.getByRole('img', { name: /Score \d/ }).waitFor();
    await expect(page.getByText('Supply chain').count()).resolves.toBeGreaterThan(0);
    await page.getByText('No shell or command execution driven by tool input').waitFor();
    const finding = page.locator('details.finding', { hasText: 'OS command injection through a shell' });
    await finding.waitFor();
    await expect(finding.locator('.code-frame').textContent()).resolves.toContain(
      'exec(`grep -r $' + '{word}',
    );
    await expect(finding.locator('.trace').textContent()).resolves.toMatch(/source[\s\S]*sink/i);
    await expect(finding.locator('.remediation').textContent()).resolves.toMatch(/argv array/);
    await page.getByRole('heading', { name: 'SBOM' }).waitFor();
    await page.getByTestId('attestation-verified').waitFor();
    await shot('04-server-version');
  });

  it('registry: lists the package with digest, level and status; deprecating asks for confirmation and a reason', async () => {
    await nav('Registry').click();
    await page.getByRole('link', { name: 'local/notes', exact: true }).click();
    const versions = page.locator('.card', {
      has: page.getByRole('heading', { name: 'local/notes', exact: true }),
    });
    const row = versions.getByRole('row', { name: /1\.0\.0/ });
    await row.getByText('sha256:').waitFor();
    await row.getByRole('button', { name: 'Deprecate' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason (shown to users)').fill('superseded by 1.0.1 (command injection fixed)');
    await shot('05-registry-confirm');
    await dialog.getByRole('button', { name: 'Deprecate' }).click();
    await row.locator('.badge.status-deprecated').waitFor();
    await row.getByText('superseded by 1.0.1').waitFor();
    await shot('06-registry');
  });

  it('overview, settings and run show live data from the API', async () => {
    await nav('Overview').click();
    await expect(page.getByTestId('published').textContent()).resolves.toMatch(/^2\D/);
    await page.getByRole('cell', { name: 'local/notes@1.0.0' }).waitFor();
    await shot('07-overview');
    await nav('Settings').click();
    await page.getByRole('heading', { name: 'Organizations' }).waitFor();
    await page.getByRole('cell', { name: 'local', exact: true }).waitFor();
    await page.getByText('Local administrator').first().waitFor();
    await page.getByText('OpenAPI documentation').waitFor();
    await page.getByText('Token scopes').waitFor();
    await page.getByRole('cell', { name: 'hub:* registry:admin' }).waitFor();
    await shot('08-settings');
    await nav('Run').click();
    await page.getByText('mcphub pull local/notes@1.0.0').waitFor();
    await shot('09-run');
  });

  it('is keyboard reachable: Tab moves from the skip link to the screen links', async () => {
    await page.goto(`${d.hubUrl}/#/`);
    await page.reload();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Overview');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Submit');
  });

  it('no Content-Security-Policy violation was reported while using every screen', () => {
    expect(cspViolations).toEqual([]);
  });

  it('refuses DNS rebinding (a foreign Host) and CSRF (a foreign Origin) against the running daemon', async () => {
    const [cookie] = await context.cookies(d.hubUrl);
    const session = `mcphub_session=${cookie!.value}`;
    const port = new URL(d.hubUrl).port;
    const rebinding = await raw(`${d.hubUrl}/api/v1/me`, {
      headers: { host: `attacker.example:${port}`, cookie: session },
    });
    expect(rebinding.status).toBe(403);
    expect(rebinding.body).toMatch(/DNS rebinding/);
    const csrf = await raw(`${d.hubUrl}/api/v1/orgs`, {
      method: 'POST',
      headers: { cookie: session, origin: 'http://attacker.example', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'pwned' }),
    });
    expect(csrf.status).toBe(403);
    expect(csrf.body).toMatch(/CSRF/);
    // The same session from the UI's own origin works, so the refusals are the checks, not the cookie.
    const own = await raw(`${d.hubUrl}/api/v1/me`, { headers: { cookie: session } });
    expect(own.status).toBe(200);
    // A cross-site page in the browser cannot ride the session either (SameSite=Strict + Origin check).
    const attacker = await context.newPage();
    await attacker.goto('data:text/html,<title>attacker</title>');
    const status = await attacker.evaluate(async (hub) => {
      try {
        const r = await fetch(`${hub}/api/v1/orgs`, {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'text/plain' },
          body: '{"name":"pwned"}',
        });
        return r.status;
      } catch {
        return 'blocked';
      }
    }, d.hubUrl);
    expect(status === 'blocked' || status === 403).toBe(true);
    await attacker.close();
    const orgs = await raw(`${d.hubUrl}/api/v1/orgs`, { headers: { cookie: session } });
    expect(orgs.body).not.toContain('pwned');
  });
});
