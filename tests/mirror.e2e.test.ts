import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegistryClient } from '@mcphub/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from './helpers/bundle.js';
import {
  createPublishToken,
  type DaemonProcess,
  publishWithCli,
  runCli,
  startDaemonProcess,
} from './helpers/daemon-process.js';
import { switchableProxy } from './helpers/tcp-proxy.js';

const CLEAN = fileURLToPath(new URL('./fixtures/clean-clock-server', import.meta.url));

interface Counts {
  packages: number;
  versions: number;
  transferred: number;
  skipped: number;
  statusSynced: number;
  revoked: number;
  refused: number;
  bytes: number;
}

describe('registry mirror between two hubs', () => {
  let remote: DaemonProcess;
  let local: DaemonProcess;
  const daemons: DaemonProcess[] = [];
  const env = { MCPHUB_SCANNER_THREADS: '1' };
  const jwksOf = (d: DaemonProcess) => `${d.hubUrl}/.well-known/jwks.json`;
  const mirror = (into: DaemonProcess, trust: string, extra: string[] = []) =>
    runCli(
      [
        'registry',
        'mirror',
        remote.registryUrl,
        '--home',
        into.home,
        '--org',
        'acme',
        '--trust-jwks',
        trust,
        ...extra,
      ],
      env,
    );
  const adminClient = async (d: DaemonProcess) => {
    const t = await runCli([
      'token',
      'create',
      '--home',
      d.home,
      '--scope',
      'registry:admin',
      '--resource',
      '*',
    ]);
    return new RegistryClient({ baseUrl: d.registryUrl, token: t.stdout.trim() });
  };

  beforeAll(async () => {
    remote = await startDaemonProcess({ env });
    local = await startDaemonProcess({ env });
    daemons.push(remote, local);
    // Two certified (attested) versions on the remote, through its real pipeline.
    for (const version of ['1.0.0', '1.1.0']) {
      const r = await runCli(
        [
          'push',
          CLEAN,
          '--home',
          remote.home,
          '--name',
          'acme/clock',
          '--version',
          version,
          '--mode',
          'fast',
          '--wait',
        ],
        env,
      );
      expect(r.code, r.stderr).toBe(0);
    }
    // Outside --org acme: never copied.
    const other = await buildBundle('other/thing', '1.0.0');
    const tok = await createPublishToken(remote.home, 'other/*');
    expect(
      (await publishWithCli(other.file, other.manifestFile, remote.registryUrl, tok.stdout.trim())).code,
    ).toBe(0);
    await (await adminClient(remote)).setStatus('acme/clock', '1.0.0', 'deprecated', 'use 1.1');
  }, 180_000);

  afterAll(async () => {
    for (const d of daemons) await d.stop('SIGKILL');
  });

  it('copies verified versions with the same digests, resumes an interrupted run, and a second run transfers nothing', async () => {
    const first = await mirror(local, jwksOf(remote), ['--max-versions', '1']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout) as Counts).toMatchObject({ transferred: 1 });

    const second = await mirror(local, jwksOf(remote));
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout) as Counts).toMatchObject({ packages: 1, transferred: 1, skipped: 1 });

    const third = await mirror(local, jwksOf(remote));
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout) as Counts).toMatchObject({
      transferred: 0,
      skipped: 2,
      bytes: 0,
      statusSynced: 0,
    });

    const theirs = await new RegistryClient({ baseUrl: remote.registryUrl }).getPackage('acme/clock');
    const ours = await new RegistryClient({ baseUrl: local.registryUrl }).getPackage('acme/clock');
    for (const v of theirs.versions) {
      const mine = ours.versions.find((o) => o.version === v.version)!;
      expect(mine.digest).toBe(v.digest);
      expect(mine.bundle.digest).toBe(v.bundle.digest);
      expect(mine.status).toBe(v.status);
    }
    expect(ours.versions.find((v) => v.version === '1.0.0')!.status).toBe('deprecated');
    await expect(
      new RegistryClient({ baseUrl: local.registryUrl }).getPackage('other/thing'),
    ).rejects.toThrow();

    // The mirrored package pulls and verifies here: the remote's keys are now trusted for it.
    const pulled = await runCli(['pull', 'acme/clock@1.1.0', '--home', local.home], env);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stderr).toContain('attested');
  }, 180_000);

  it('a revocation on the remote is mirrored as a status and onto the revocation list', async () => {
    await (await adminClient(remote)).setStatus('acme/clock', '1.1.0', 'revoked', 'backdoor found');
    const r = await mirror(local, jwksOf(remote));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout) as Counts).toMatchObject({ revoked: 1, statusSynced: 1, transferred: 0 });
    const list = join(local.home, 'revocations.json');
    expect(existsSync(list)).toBe(true);
    expect(readFileSync(list, 'utf8')).toContain('backdoor found');
    const pull = await runCli(['pull', 'acme/clock@1.1.0', '--home', local.home], env);
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/SBX_ERR_PULL_REVOKED/);
  }, 120_000);

  it('mirroring from an untrusted signer: attestations not signed by a --trust-jwks key are refused and nothing is copied', async () => {
    const fresh = await startDaemonProcess({ env });
    daemons.push(fresh);
    // Trusting the wrong hub (fresh's own keys) must not let the remote's packages in.
    const r = await mirror(fresh, jwksOf(fresh));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HUB_ERR_MIRROR_UNTRUSTED');
    expect(JSON.parse(r.stdout) as Counts).toMatchObject({ transferred: 0, refused: 1 });
    const listing = await new RegistryClient({ baseUrl: fresh.registryUrl }).listPackages();
    expect(listing.packages).toEqual([]);
  }, 120_000);
});

describe('upstream forwarding', () => {
  const daemons: DaemonProcess[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop('SIGKILL');
  });

  it('a local publish is forwarded upstream with the same digests, waiting in the outbox while the upstream is down', async () => {
    const upstream = await startDaemonProcess({ env: { MCPHUB_SCANNER_THREADS: '1' } });
    daemons.push(upstream);
    const proxy = await switchableProxy({
      host: '127.0.0.1',
      port: Number(new URL(upstream.registryUrl).port),
    }); // down
    const tok = await createPublishToken(upstream.home, 'fwd/*');
    const env = {
      MCPHUB_SCANNER_THREADS: '1',
      MCPHUB_SYNC_UPSTREAM_URL: `http://127.0.0.1:${proxy.port}`,
      MCPHUB_SYNC_UPSTREAM_TOKEN: tok.stdout.trim(),
      MCPHUB_SYNC_RETRY_MIN_MS: '200',
      MCPHUB_SYNC_RETRY_MAX_MS: '1000',
    };
    const edge = await startDaemonProcess({ env });
    daemons.push(edge);
    const r = await runCli(
      [
        'push',
        CLEAN,
        '--home',
        edge.home,
        '--name',
        'fwd/clock',
        '--version',
        '2.0.0',
        '--mode',
        'fast',
        '--wait',
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const upstreamClient = new RegistryClient({ baseUrl: upstream.registryUrl });
    await expect(upstreamClient.resolve('fwd/clock', '2.0.0')).rejects.toThrow();

    await proxy.up();
    const end = Date.now() + 30_000;
    let found = null as Awaited<ReturnType<RegistryClient['resolve']>> | null;
    while (!found && Date.now() < end) {
      found = await upstreamClient.resolve('fwd/clock', '2.0.0').catch(() => null);
      if (!found) await new Promise((res) => setTimeout(res, 200));
    }
    expect(found, edge.stderr()).not.toBeNull();
    const mine = await new RegistryClient({ baseUrl: edge.registryUrl }).resolve('fwd/clock', '2.0.0');
    expect(found!.digest).toBe(mine.digest);
    expect(found!.manifest.attestation?.digest).toBe(mine.manifest.attestation?.digest);
    await proxy.down();
  }, 180_000);
});
