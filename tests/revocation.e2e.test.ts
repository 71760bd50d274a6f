import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryClient, signEnvelope } from '@mcphub/registry';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBundle } from './helpers/bundle.js';
import {
  createPublishToken,
  type DaemonProcess,
  publishWithCli,
  runCli,
  startDaemonProcess,
} from './helpers/daemon-process.js';
import { switchableProxy } from './helpers/tcp-proxy.js';

const AMQP = process.env.MCPHUB_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('revocations reach connected daemons over the broker', () => {
  const daemons: DaemonProcess[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop('SIGKILL');
  });

  it('running a revoked package: hub A revokes, daemon B (trusting A) hears it and `mcphub run` refuses the digest even though B still serves and caches it; forged revocations (unsigned, unknown key) are ignored', async () => {
    const env = {
      MCPHUB_AMQP_URL: AMQP,
      MCPHUB_QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}.`,
      MCPHUB_SCANNER_THREADS: '1',
      MCPHUB_CLIENT_REQUIRE_ATTESTATION: 'false',
    };
    const a = await startDaemonProcess({ env });
    daemons.push(a);
    const b = await startDaemonProcess({ env });
    daemons.push(b);

    // The same package in both registries (B as a mirror of A would have it).
    const bundle = await buildBundle('acme/notes', '1.0.0');
    for (const d of [a, b]) {
      const tok = await createPublishToken(d.home, 'acme/*');
      const pub = await publishWithCli(bundle.file, bundle.manifestFile, d.registryUrl, tok.stdout.trim());
      expect(pub.code, pub.stderr).toBe(0);
    }
    const bEnv = { ...env, MCPHUB_CLIENT_REGISTRIES: b.registryUrl };
    const pulled = await runCli(['pull', 'acme/notes@1.0.0', '--home', b.home], bEnv);
    expect(pulled.code, pulled.stderr).toBe(0);
    // B accepts revocations signed by A's key only because it was told to trust A.
    const trust = await runCli(['registry', 'trust', `${a.hubUrl}/.well-known/jwks.json`, '--home', b.home]);
    expect(trust.code, trust.stderr).toBe(0);

    // Forged revocations first: anyone with access to the broker can publish to the exchange.
    const forged = {
      schemaVersion: 1,
      name: 'acme/notes',
      version: '1.0.0',
      digest: `sha256:${'f'.repeat(64)}`,
      bundleDigest: bundle.digest,
      reason: 'forged',
      revokedAt: new Date().toISOString(),
      origin: 'attacker',
    };
    const stranger = generateKeyPairSync('ed25519');
    const conn = await amqp.connect(AMQP);
    const ch = await conn.createConfirmChannel();
    for (const body of [
      forged,
      signEnvelope(
        Buffer.from(JSON.stringify(forged)),
        'application/vnd.mcphub.revocation.v1+json',
        stranger.privateKey,
        'stranger',
      ),
    ]) {
      ch.publish(`${env.MCPHUB_QUEUE_PREFIX}mcphub.revocations`, '', Buffer.from(JSON.stringify(body)));
    }
    await ch.waitForConfirms();
    await conn.close();
    const refusedTwice = () => (b.stderr().match(/revocation message refused/g) ?? []).length >= 2;
    for (let end = Date.now() + 20_000; !refusedTwice() && Date.now() < end; )
      await new Promise((r) => setTimeout(r, 100));
    expect(refusedTwice(), b.stderr()).toBe(true);
    expect(existsSync(join(b.home, 'revocations.json'))).toBe(false);
    expect((await runCli(['pull', 'acme/notes@1.0.0', '--home', b.home], bEnv)).code).toBe(0);

    const admin = await runCli([
      'token',
      'create',
      '--home',
      a.home,
      '--scope',
      'registry:admin',
      '--resource',
      'acme/*',
    ]);
    await new RegistryClient({ baseUrl: a.registryUrl, token: admin.stdout.trim() }).setStatus(
      'acme/notes',
      '1.0.0',
      'revoked',
      'maintainer key stolen',
    );

    const list = join(b.home, 'revocations.json');
    const end = Date.now() + 30_000;
    while (Date.now() < end && !(existsSync(list) && readFileSync(list, 'utf8').includes(bundle.digest)))
      await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(list, 'utf8'), b.stderr()).toContain(bundle.digest);

    // B's own registry still says active: only the revocation message can refuse it.
    const onB = await new RegistryClient({ baseUrl: b.registryUrl }).resolve('acme/notes', '1.0.0');
    expect(onB.status).toBe('active');
    const run = await runCli(['run', 'acme/notes@1.0.0', '--home', b.home], bEnv);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('SBX_ERR_PULL_REVOKED');
    expect(run.stderr).toContain('maintainer key stolen');
    const again = await runCli(['pull', 'acme/notes@1.0.0', '--home', b.home], bEnv);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('SBX_ERR_PULL_REVOKED');
  }, 120_000);

  it('a revocation made while the broker is unreachable waits in the outbox and reaches the other daemon once the broker is back', async () => {
    const proxy = await switchableProxy({ host: '127.0.0.1', port: 5672 });
    await proxy.up();
    const prefix = `t${randomUUID().slice(0, 8)}.`;
    const common = { MCPHUB_QUEUE_PREFIX: prefix, MCPHUB_SCANNER_THREADS: '1' };
    const a = await startDaemonProcess({
      env: {
        ...common,
        MCPHUB_AMQP_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}`,
        MCPHUB_SYNC_RETRY_MIN_MS: '200',
        MCPHUB_SYNC_RETRY_MAX_MS: '1000',
      },
    });
    daemons.push(a);
    const b = await startDaemonProcess({ env: { ...common, MCPHUB_AMQP_URL: AMQP } });
    daemons.push(b);
    expect(
      (await runCli(['registry', 'trust', `${a.hubUrl}/.well-known/jwks.json`, '--home', b.home])).code,
    ).toBe(0);
    const bundle = await buildBundle('acme/offline', '1.0.0');
    const tok = await createPublishToken(a.home, 'acme/*');
    expect(
      (await publishWithCli(bundle.file, bundle.manifestFile, a.registryUrl, tok.stdout.trim())).code,
    ).toBe(0);

    await proxy.down();
    const admin = await runCli([
      'token',
      'create',
      '--home',
      a.home,
      '--scope',
      'registry:admin',
      '--resource',
      'acme/*',
    ]);
    await new RegistryClient({ baseUrl: a.registryUrl, token: admin.stdout.trim() }).setStatus(
      'acme/offline',
      '1.0.0',
      'revoked',
      'revoked while offline',
    );
    // Recorded locally at once; B cannot have heard of it.
    expect(readFileSync(join(a.home, 'revocations.json'), 'utf8')).toContain(bundle.digest);
    await new Promise((r) => setTimeout(r, 1500));
    const listB = join(b.home, 'revocations.json');
    expect(existsSync(listB) && readFileSync(listB, 'utf8').includes(bundle.digest)).toBe(false);

    await proxy.up();
    const end = Date.now() + 30_000;
    while (Date.now() < end && !(existsSync(listB) && readFileSync(listB, 'utf8').includes(bundle.digest)))
      await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(listB) ? readFileSync(listB, 'utf8') : '', a.stderr()).toContain(
      'revoked while offline',
    );
    await proxy.down();
  }, 120_000);
});
