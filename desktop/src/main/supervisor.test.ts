import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backoffDelay,
  type DaemonChild,
  DaemonSupervisor,
  parseBanner,
  requestLoginUrl,
} from './supervisor.js';

/** A fake `mcphub daemon`: prints a banner when told, exits when killed (unless stubborn). */
class FakeDaemon extends EventEmitter implements DaemonChild {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly signals: string[] = [];
  exited = false;
  constructor(private readonly stubborn = false) {
    super();
  }
  printBanner(hubUrl: string) {
    this.stdout.write(`MCP Hub 0.1.0 is running\n  Hub:          ${hubUrl}  (API docs: ${hubUrl}/docs)\n`);
    this.stdout.write(
      `  Web UI:       ${hubUrl}/login?token=abc  (one-time login link)\nPress Ctrl+C to stop.\n`,
    );
  }
  crash(code = 1) {
    this.stderr.write('boom: database is locked\n');
    this.exit(code, null);
  }
  exit(code: number | null, signal: NodeJS.Signals | null) {
    if (this.exited) return;
    this.exited = true;
    setImmediate(() => this.emit('exit', code, signal));
  }
  kill(signal: NodeJS.Signals = 'SIGTERM') {
    this.signals.push(signal);
    if (!this.stubborn || signal === 'SIGKILL') this.exit(null, signal);
    return true;
  }
}

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

/** A real tiny HTTP server standing in for the hub's /healthz. */
async function healthServer(opts: { healthy: () => boolean } = { healthy: () => true }) {
  const server = createServer((req, res) => {
    if (req.url === '/healthz' && opts.healthy()) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (req.url === '/api/v1/ui/login-tokens' && req.method === 'POST') {
      const ok = req.headers.authorization === 'Bearer admin-secret';
      res.writeHead(ok ? 201 : 401, { 'content-type': 'application/json' });
      res.end(ok ? '{"token":"fresh","path":"/login?token=fresh"}' : '{}');
    } else res.writeHead(503).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const fast = {
  healthIntervalMs: 5,
  backoffBaseMs: 5,
  backoffMaxMs: 40,
  stopGraceMs: 50,
  healthTimeoutMs: 2_000,
};

describe('DaemonSupervisor', () => {
  it('starts the daemon, reads its banner and waits for /healthz before reporting running', async () => {
    const hub = await healthServer();
    const children: FakeDaemon[] = [];
    const sup = new DaemonSupervisor({
      ...fast,
      spawn: () => {
        const c = new FakeDaemon();
        children.push(c);
        setTimeout(() => c.printBanner(hub), 20);
        return c;
      },
    });
    const states: string[] = [];
    sup.on('status', (s) => states.push(s.state));
    const banner = await sup.start();
    expect(banner).toEqual({ hubUrl: hub, loginUrl: `${hub}/login?token=abc` });
    expect(sup.status).toMatchObject({ state: 'running', hubUrl: hub, restarts: 0 });
    expect(states).toEqual(['starting', 'running']);
    await sup.stop();
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    expect(sup.status.state).toBe('stopped');
  });

  it('does not report running while /healthz fails, even with a banner', async () => {
    let healthy = false;
    const hub = await healthServer({ healthy: () => healthy });
    const sup = new DaemonSupervisor({
      ...fast,
      spawn: () => {
        const c = new FakeDaemon();
        c.printBanner(hub);
        return c;
      },
    });
    const started = sup.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(sup.status.state).toBe('starting');
    healthy = true;
    await started;
    expect(sup.status.state).toBe('running');
    await sup.stop();
  });

  it('restarts a daemon that dies, with growing backoff, and is running again after', async () => {
    const hub = await healthServer();
    const children: FakeDaemon[] = [];
    const sleeps: number[] = [];
    const sup = new DaemonSupervisor({
      ...fast,
      backoffBaseMs: 7,
      sleep: (ms) => {
        if (ms !== fast.healthIntervalMs) sleeps.push(ms);
        return new Promise((r) => setTimeout(r, Math.min(ms, 5)));
      },
      spawn: () => {
        const c = new FakeDaemon();
        children.push(c);
        // The first two starts crash before becoming healthy; the third stays up.
        if (children.length <= 2) setTimeout(() => c.crash(), 5);
        else c.printBanner(hub);
        return c;
      },
    });
    const seen: string[] = [];
    sup.on('status', (s) => seen.push(s.state));
    await sup.start();
    expect(children).toHaveLength(3);
    expect(sleeps).toEqual([7, 14]);
    expect(sup.status).toMatchObject({ state: 'running', restarts: 2, lastError: null });
    expect(seen).toContain('restarting');
    // Dies while running: restarted again.
    const ready = new Promise((r) => sup.once('ready', r));
    children[2]!.crash();
    await ready;
    expect(children).toHaveLength(4);
    expect(sup.status.restarts).toBe(3);
    await sup.stop();
  });

  it('gives up after maxRestarts consecutive failures and says why', async () => {
    const sup = new DaemonSupervisor({
      ...fast,
      maxRestarts: 2,
      spawn: () => {
        const c = new FakeDaemon();
        setTimeout(() => c.crash(3), 1);
        return c;
      },
    });
    await expect(sup.start()).rejects.toThrow(/code 3.*database is locked.*gave up after 2 restarts/);
    expect(sup.status.state).toBe('failed');
  });

  it('kills a daemon that never becomes healthy instead of leaving it half-started', async () => {
    const children: FakeDaemon[] = [];
    const sup = new DaemonSupervisor({
      ...fast,
      healthTimeoutMs: 50,
      maxRestarts: 0,
      spawn: () => {
        const c = new FakeDaemon(true);
        children.push(c);
        return c;
      },
    });
    await expect(sup.start()).rejects.toThrow(/not healthy within 50 ms/);
    expect(children[0]!.signals).toContain('SIGKILL');
  });

  it('stop() escalates to SIGKILL after the grace period and never restarts', async () => {
    const hub = await healthServer();
    const children: FakeDaemon[] = [];
    const sup = new DaemonSupervisor({
      ...fast,
      spawn: () => {
        const c = new FakeDaemon(true);
        children.push(c);
        c.printBanner(hub);
        return c;
      },
    });
    await sup.start();
    await sup.stop();
    expect(children[0]!.signals).toEqual(['SIGTERM', 'SIGKILL']);
    await new Promise((r) => setTimeout(r, 50));
    expect(children).toHaveLength(1);
  });
});

describe('helpers', () => {
  it('parseBanner reads the hub URL and the login link', () => {
    expect(parseBanner('nothing yet')).toEqual({ hubUrl: null, loginUrl: null });
    expect(
      parseBanner(
        '  Hub:          http://127.0.0.1:8080  (API docs: x)\n  Web UI:       http://127.0.0.1:8080/login?token=t  (one-time)\n',
      ),
    ).toEqual({
      hubUrl: 'http://127.0.0.1:8080',
      loginUrl: 'http://127.0.0.1:8080/login?token=t',
    });
  });
  it('backoffDelay doubles and caps', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, 500, 5_000))).toEqual([500, 1000, 2000, 4000, 5000]);
  });
  it('requestLoginUrl asks the running daemon for a fresh one-time link', async () => {
    const hub = await healthServer();
    await expect(requestLoginUrl(hub, 'admin-secret')).resolves.toBe(`${hub}/login?token=fresh`);
    await expect(requestLoginUrl(hub, 'wrong')).rejects.toThrow(/HTTP 401/);
  });
});
