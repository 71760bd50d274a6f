import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.js';
import { type DaemonProcess, runCli, startDaemonProcess } from './helpers/daemon-process.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
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
  let cspViolations: string[] = [];
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name, exact: true });
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), 'mcphub-ui-e2e-'));
    archive = join(work, 'vulnerable-notes-server.tar.gz');
    await createTar({ gzip: true, file: archive, cwd: VULNERABLE, portable: true }, ['.']);
    d = await startDaemonProcess();
    loginUrl = /Web UI:\s+(http:\/\/\S+)/.exec(d.stdout())?.[1] ?? '';
    ({ context, page, cspViolations } = await launchBrowser(work));
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
    await page.getByTestId('whoami').getByText('admin').first().waitFor();
    await page.getByRole('cell', { name: 'hub:* registry:admin' }).waitFor();
    await shot('08-settings');
    await nav('Run').click();
    await page.getByText('mcphub pull local/notes@1.0.0').waitFor();
    await shot('09-run');
  });

  it('settings: remote hub, registries and default policy are saved, shown after a reload with the secret masked, and bad input changes nothing', async () => {
    const S3_SECRET = 'e2e-s3-secret-value-7731';
    await nav('Settings').click();
    const remote = page.getByTestId('remote-hub');
    await remote.getByLabel('AMQP URL').fill('amqp://guest:guest@127.0.0.1:5672');
    await remote.getByLabel('S3 endpoint').fill('http://127.0.0.1:1');
    await remote.getByLabel('S3 access key').fill('e2e-access');
    await remote.getByLabel('S3 secret key').fill(S3_SECRET);
    await remote.getByRole('button', { name: 'Save remote hub' }).click();
    await remote.getByTestId('restart-required').waitFor();
    await remote.getByRole('button', { name: 'Test connection' }).click();
    const probes = remote.getByTestId('connection-test');
    await probes.getByText(/OK amqp .*: connected/).waitFor({ timeout: 15_000 });
    await probes.getByText(/FAILED s3 http:\/\/127\.0\.0\.1:1/).waitFor();
    const registries = page.getByTestId('registries');
    await registries.getByRole('textbox', { name: /^Registries/ }).fill(d.registryUrl);
    await registries.getByRole('button', { name: 'Save registries' }).click();
    await registries.getByText(/no restart needed/).waitFor();
    const policy = page.getByTestId('default-policy');
    await policy.getByLabel('Policy (JSON)').fill('{"minLevel": 1, "limits": {"memoryMb": 256}}');
    await policy.getByRole('button', { name: 'Save policy' }).click();
    await policy.getByText(/Saved; `mcphub run` without --policy/).waitFor();
    // Bad input: a coded refusal, files as they were.
    const configBefore = readFileSync(join(d.home, 'config.json'), 'utf8');
    const policyBefore = readFileSync(join(d.home, 'policy.json'), 'utf8');
    await policy.getByLabel('Policy (JSON)').fill('{"minLevel": 9}');
    await policy.getByRole('button', { name: 'Save policy' }).click();
    await policy.getByRole('alert').getByText('HUB_ERR_VALIDATION').waitFor();
    await registries.getByRole('textbox', { name: /^Registries/ }).fill('ftp://nope');
    await registries.getByRole('button', { name: 'Save registries' }).click();
    await registries.getByRole('alert').getByText('HUB_ERR_VALIDATION').waitFor();
    expect(readFileSync(join(d.home, 'config.json'), 'utf8')).toBe(configBefore);
    expect(readFileSync(join(d.home, 'policy.json'), 'utf8')).toBe(policyBefore);
    // Persisted: on disk, and shown after a reload, the secrets masked.
    expect(JSON.parse(configBefore)).toMatchObject({
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      s3SecretKey: S3_SECRET,
      client: { registries: [d.registryUrl] },
    });
    await page.reload();
    await page.getByTestId('remote-hub').getByLabel('AMQP URL').waitFor();
    await expect(page.getByTestId('remote-hub').getByLabel('AMQP URL').inputValue()).resolves.toBe(
      'amqp://guest:***@127.0.0.1:5672',
    );
    await expect(
      page.getByTestId('remote-hub').getByLabel('S3 secret key').getAttribute('placeholder'),
    ).resolves.toMatch(/saved \(hidden\)/);
    await expect(
      page
        .getByTestId('registries')
        .getByRole('textbox', { name: /^Registries/ })
        .inputValue(),
    ).resolves.toBe(d.registryUrl);
    await expect(
      page.getByTestId('default-policy').getByLabel('Policy (JSON)').inputValue(),
    ).resolves.toMatch(/"minLevel": 1/);
    await page.getByTestId('restart-required').waitFor();
    await expect(page.content()).resolves.not.toContain(S3_SECRET);
    await expect(page.content()).resolves.not.toContain('guest:guest');
    await shot('08b-settings-remote-registries-policy');
    // Back to local so later restarts (none here) would not need a broker.
    await page.getByTestId('remote-hub').getByLabel('AMQP URL').fill('');
    await page.getByTestId('remote-hub').getByLabel('S3 endpoint').fill('');
    await page.getByTestId('remote-hub').getByLabel('S3 access key').fill('');
    await page.getByRole('button', { name: 'Save remote hub' }).click();
    await page.getByText(/the daemon already runs with these settings/).waitFor();
    expect(JSON.parse(readFileSync(join(d.home, 'config.json'), 'utf8')).s3SecretKey).toBeUndefined();
  }, 60_000);

  it('overview shows the remote sync status: adapters in use and that they answer', async () => {
    await nav('Overview').click();
    const sync = page.getByTestId('sync-status');
    await sync.getByRole('row', { name: /Job queue\s+embedded queue \(SQLite\).*reachable/ }).waitFor();
    await sync.getByRole('row', { name: /Object store\s+local files.*reachable/ }).waitFor();
    await sync.getByRole('row', { name: /Registry\s+registry.*reachable/ }).waitFor();
    await shot('07b-overview-sync-status');
  });

  it('every control on every screen has a label (inputs, selects, text areas, buttons)', async () => {
    const unlabeled = () =>
      page.evaluate(() => {
        const bad: string[] = [];
        for (const el of document.querySelectorAll('input, select, textarea, button')) {
          const e = el as HTMLInputElement;
          if (e.type === 'hidden') continue;
          const named =
            [...(e.labels ?? [])].some((l) => l.textContent?.trim()) ||
            e.getAttribute('aria-label') ||
            e.getAttribute('aria-labelledby') ||
            (el.tagName === 'BUTTON' && el.textContent?.trim());
          if (!named) bad.push(el.outerHTML.slice(0, 160));
        }
        return bad;
      });
    const screens: [string, () => Promise<void>][] = [
      ['Overview', () => page.getByTestId('sync-status').getByRole('table').waitFor()],
      ['Submit', () => page.getByRole('heading', { name: 'Submit a server' }).waitFor()],
      [
        'Registry',
        async () => {
          await page.getByRole('link', { name: 'local/notes', exact: true }).click();
          await page.getByRole('heading', { name: 'local/notes', exact: true }).waitFor();
        },
      ],
      [
        'Settings',
        async () => {
          await page.getByTestId('remote-hub').getByLabel('AMQP URL').waitFor();
          await page.getByRole('button', { name: 'local', exact: true }).click();
          await page.getByRole('region', { name: 'Members of local' }).getByRole('table').waitFor();
        },
      ],
    ];
    for (const [name, ready] of screens) {
      await nav(name).click();
      await ready();
      expect(await unlabeled(), name).toEqual([]);
    }
    await nav('Overview').click();
    await page.getByRole('link', { name: 'local/notes@1.0.0' }).click();
    await page.getByRole('heading', { name: 'SBOM' }).waitFor();
    expect(await unlabeled(), 'version').toEqual([]);
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

  it('a read-only user signs in with a link for their own token: sees who they are, gets no status or submit actions, and the API refuses them', async () => {
    const admin = readFileSync(join(d.home, 'keys', 'admin-token'), 'utf8').trim();
    const asAdmin = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${d.hubUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${admin}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return {
        status: res.status,
        body: (res.status === 204 ? null : await res.json()) as Record<string, string>,
      };
    };
    // The hub admin, in Settings: adds the user, makes them a viewer of `local`, gives them a hub:read token.
    await nav('Settings').click();
    const users = page.locator('.card', { has: page.getByRole('heading', { name: 'Users', exact: true }) });
    await users.getByLabel('User name').fill('vera');
    await users.getByRole('button', { name: 'Add user' }).click();
    await users.getByRole('cell', { name: 'vera', exact: true }).waitFor();
    const orgs = page.locator('.card', { has: page.getByRole('heading', { name: 'Organizations' }) });
    await orgs.getByRole('button', { name: 'local', exact: true }).click();
    const members = orgs.getByRole('region', { name: 'Members of local' });
    await members.getByLabel('User name').fill('vera');
    await members.getByRole('form', { name: 'Add member' }).getByLabel('Role').selectOption('viewer');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByLabel('Role of vera').waitFor();
    await expect(members.getByLabel('Role of vera').inputValue()).resolves.toBe('viewer');
    const tokens = page.getByTestId('tokens');
    await tokens.getByLabel('Tokens of').selectOption('vera');
    await tokens.getByText('No token for vera').waitFor();
    await tokens.getByLabel('Token name').fill('vera-ui');
    await tokens.getByLabel('Scope').selectOption('hub:read');
    await tokens.getByRole('button', { name: 'Create token' }).click();
    const secret = (
      (await tokens.getByTestId('new-token').locator('code').last().textContent()) ?? ''
    ).trim();
    expect(secret.length).toBeGreaterThan(20);
    await tokens.getByRole('cell', { name: 'vera-ui' }).waitFor();
    await shot('12-settings-members-tokens');
    const listed = (await (
      await fetch(`${d.hubUrl}/api/v1/tokens/api?user=vera`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()) as { tokens: { id: string; name: string }[] };
    const token = { body: { secret, id: listed.tokens.find((t) => t.name === 'vera-ui')!.id } };
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'mcphub-vera-')), 'token');
    writeFileSync(tokenFile, `${token.body.secret}\n`, { mode: 0o600 });
    const cli = await runCli(['ui', 'login', '--token-file', tokenFile, '--home', d.home]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toMatch(/for vera/);
    const link = cli.stdout.trim();
    expect(link).toMatch(new RegExp(`^${d.hubUrl}/login\\?token=`));

    await context.clearCookies();
    await page.goto(link);
    await page.getByTestId('whoami').getByText('vera').first().waitFor();
    await expect(page.getByTestId('whoami').textContent()).resolves.toMatch(/vera \(hub:read\)/);
    // Registry: the versions are visible, the status buttons are not.
    await nav('Registry').click();
    await page.getByRole('link', { name: 'local/notes', exact: true }).click();
    const versions = page.locator('.card', {
      has: page.getByRole('heading', { name: 'local/notes', exact: true }),
    });
    await versions
      .getByRole('row', { name: /1\.0\.0/ })
      .getByText('read only')
      .waitFor();
    await expect(versions.getByRole('button', { name: /Deprecate|Revoke|Yank/ }).count()).resolves.toBe(0);
    await shot('10-read-only-registry');
    // Submit: explained and disabled.
    await nav('Submit').click();
    await page.getByTestId('submit-not-allowed').waitFor();
    await expect(page.getByRole('button', { name: 'Submit for certification' }).isDisabled()).resolves.toBe(
      true,
    );
    await shot('11-read-only-submit');
    // Run: without hub:run there is no start form, only the explanation.
    await nav('Run').click();
    await page.getByTestId('run-not-allowed').waitFor();
    await expect(page.getByRole('button', { name: 'Start under this policy' }).count()).resolves.toBe(0);
    // Settings: no administration.
    await nav('Settings').click();
    await page.getByTestId('settings-admin-only').waitFor();
    await expect(page.getByRole('heading', { name: 'Users' }).count()).resolves.toBe(0);
    await expect(page.getByTestId('remote-hub').count()).resolves.toBe(0);
    // The API refuses the session anyway (hidden buttons are not the protection).
    const refused = await page.evaluate(async () => {
      const patch = await fetch('/api/v1/ui/registry/packages/local/notes/1.0.0/status', {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'revoked', reason: 'read-only user tries' }),
      });
      const form = new FormData();
      form.append('name', 'local/evil');
      form.append('version', '1.0.0');
      form.append('source', new Blob([new Uint8Array([31, 139, 8, 0])]), 'source.tar.gz');
      const submit = await fetch('/api/v1/servers', { method: 'POST', body: form });
      const settings = await fetch('/api/v1/ui/settings/registries', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ registries: ['http://attacker.example'] }),
      });
      return Promise.all([patch, submit, settings].map(async (r) => [r.status, (await r.json()).code]));
    });
    expect(refused).toEqual([
      [403, 'HUB_ERR_FORBIDDEN'],
      [403, 'HUB_ERR_FORBIDDEN'],
      [403, 'HUB_ERR_FORBIDDEN'],
    ]);
    // Sign out ends the session.
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.getByLabel('Your hub API token').waitFor();
    await expect(page.evaluate(async () => (await fetch('/api/v1/ui/session')).status)).resolves.toBe(401);
    // The login form accepts the personal token; revoking the token ends that session too.
    await page.getByLabel('Your hub API token').fill(token.body.secret!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('whoami').getByText('vera').first().waitFor();
    expect((await asAdmin('DELETE', `/api/v1/tokens/api/${token.body.id}`)).status).toBe(204);
    await page.reload();
    await page.getByText('You are not signed in').waitFor();
  }, 60_000);
});
