import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSandboxError } from '../errors.js';
import { isLocalAddress, matchAllowlist, parseAllowEntry } from './allowlist.js';
import { type AllowlistProxy, startAllowlistProxy } from './proxy.js';

describe('allowlist entries', () => {
  it('parses host:port, [v6]:port and *.suffix:port; rejects the rest', () => {
    expect(parseAllowEntry('API.GitHub.com.:443')).toMatchObject({
      host: 'api.github.com',
      port: 443,
      ip: false,
    });
    expect(parseAllowEntry('[::1]:8080')).toMatchObject({ host: '::1', port: 8080, ip: true });
    expect(parseAllowEntry('*.example.com:443')).toMatchObject({ wildcard: true });
    for (const bad of [
      'example.com',
      'example.com:0',
      'example.com:99999',
      'a*b.com:1',
      'http://x.com:80',
      '[zz]:1',
    ]) {
      expect(() => parseAllowEntry(bad), bad).toThrow();
      try {
        parseAllowEntry(bad);
      } catch (e) {
        expect(isSandboxError(e, 'SBX_ERR_ALLOWLIST_INVALID')).toBe(true);
      }
    }
  });

  it('matches exactly: port must match, wildcard covers sub-domains only, IP literals must be listed', () => {
    const list = ['api.example.com:443', '*.cdn.example.com:443', '10.0.0.5:5432'].map(parseAllowEntry);
    expect(matchAllowlist(list, 'api.example.com', 443).allowed).toBe(true);
    expect(matchAllowlist(list, 'api.example.com', 80).allowed).toBe(false);
    expect(matchAllowlist(list, 'a.cdn.example.com', 443).allowed).toBe(true);
    expect(matchAllowlist(list, 'cdn.example.com', 443).allowed).toBe(false);
    expect(matchAllowlist(list, 'evilcdn.example.com', 443).allowed).toBe(false);
    expect(matchAllowlist(list, '10.0.0.5', 5432).allowed).toBe(true);
    expect(matchAllowlist(list, '93.184.216.34', 443).reason).toMatch(/IP literals must be listed/);
    expect(matchAllowlist([], 'api.example.com', 443).reason).toBe('network allowlist is empty');
  });

  it('knows which addresses are the host itself or cloud metadata', () => {
    for (const a of ['127.0.0.1', '127.8.9.1', '::1', '169.254.169.254', '::ffff:127.0.0.1', '0.0.0.0']) {
      expect(isLocalAddress(a), a).toBe(true);
    }
    expect(isLocalAddress('93.184.216.34')).toBe(false);
  });
});

describe('allowlist proxy (host side, over its Unix socket)', () => {
  let upstream: Server;
  let port: number;
  let proxy: AllowlistProxy;
  let dir: string;

  beforeAll(async () => {
    upstream = createServer((req, res) =>
      res.end(`upstream saw ${req.method} ${req.url} host=${req.headers.host}`),
    );
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    port = (upstream.address() as { port: number }).port;
    dir = mkdtempSync(join(tmpdir(), 'proxy-'));
    proxy = await startAllowlistProxy({
      socketPath: join(dir, 'p.sock'),
      allow: [`127.0.0.1:${port}`, `rebound.test:${port}`, `nxdomain.test:${port}`],
      // rebound.test "resolves" to loopback: an allowlisted name must not reach host services
      resolve: async (h) => {
        if (h === 'rebound.test') return '127.0.0.1';
        throw new Error('ENOTFOUND');
      },
    });
  });
  afterAll(async () => {
    await proxy.close();
    upstream.close();
  });

  function talk(bytes: Buffer | string, until: (s: string) => boolean = () => false): Promise<string> {
    return new Promise((resolve) => {
      const s: Socket = connect(proxy.socketPath);
      let got = '';
      s.on('data', (d) => {
        got += d.toString('latin1');
        if (until(got)) s.end();
      });
      s.on('close', () => resolve(got));
      s.write(bytes);
    });
  }

  it('forwards a plain http:// request to an allowed host:port', async () => {
    const r = await talk(
      `GET http://127.0.0.1:${port}/a?b=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Authorization: x\r\n\r\n`,
    );
    expect(r).toMatch(/^HTTP\/1.1 200/);
    expect(r).toContain('upstream saw GET /a?b=1');
  });

  it('sets Host from the checked URL, not from the client (no virtual-host hopping)', async () => {
    const r = await talk(`GET http://127.0.0.1:${port}/v HTTP/1.1\r\nHost: evil.example\r\n\r\n`);
    expect(r).toContain(`host=127.0.0.1:${port}`);
    expect(r).not.toContain('evil.example');
  });

  it('tunnels CONNECT to an allowed target', async () => {
    const r = await talk(
      `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\nGET /t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(r).toContain('200 Connection Established');
    expect(r).toContain('upstream saw GET /t');
  });

  it('refuses with 403 naming the rule: other port, IP literal not listed, name resolving to loopback', async () => {
    for (const target of [`127.0.0.1:${port + 1}`, `10.1.2.3:${port}`, `rebound.test:${port}`]) {
      const r = await talk(`CONNECT ${target} HTTP/1.1\r\n\r\n`);
      expect(r, target).toMatch(/^HTTP\/1.1 403/);
      expect(r).toContain('X-Mcphub-Denied: network.allow');
    }
    const last = proxy.events.at(-1)!;
    expect(last).toMatchObject({ host: 'rebound.test', allowed: false });
    expect(last.reason).toMatch(/resolves to local address 127.0.0.1/);
  });

  it('speaks SOCKS5 CONNECT with a domain name and refuses a target outside the list', async () => {
    const req = (host: string, p: number) =>
      Buffer.concat([
        Buffer.from([5, 1, 0]),
        Buffer.from([5, 1, 0, 3, host.length]),
        Buffer.from(host),
        Buffer.from([p >> 8, p & 255]),
      ]);
    const ok = await talk(Buffer.concat([req('127.0.0.1', port), Buffer.from('GET /s HTTP/1.0\r\n\r\n')]));
    expect([...Buffer.from(ok, 'latin1').subarray(0, 4)]).toEqual([5, 0, 5, 0]);
    expect(ok).toContain('upstream saw GET /s');
    const no = await talk(req('example.org', 443));
    expect([...Buffer.from(no, 'latin1').subarray(0, 4)]).toEqual([5, 0, 5, 2]);
  });

  it('keeps bytes a client sends before the tunnel is up (slow name resolution)', async () => {
    const slow = await startAllowlistProxy({
      socketPath: join(dir, 's.sock'),
      allow: [`localhost:${port}`],
      resolve: (h) =>
        new Promise((r) => setTimeout(() => r(h === 'localhost' ? '127.0.0.1' : '0.0.0.0'), 80)),
    });
    const r = await new Promise<string>((resolve) => {
      const s = connect(slow.socketPath);
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.write(`CONNECT localhost:${port} HTTP/1.1\r\n\r\n`);
      setTimeout(() => s.write('GET /early HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 20);
    });
    expect(r).toContain('upstream saw GET /early');
    await slow.close();
  });

  it('an empty allowlist refuses everything', async () => {
    const empty = await startAllowlistProxy({ socketPath: join(dir, 'e.sock'), allow: [] });
    const r = await new Promise<string>((resolve) => {
      const s = connect(empty.socketPath);
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
    });
    expect(r).toContain('network allowlist is empty');
    await empty.close();
  });
});
