import { lookup } from 'node:dns/promises';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, isIP, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { SandboxError } from '../errors.js';
import { type AllowEntry, isLocalAddress, matchAllowlist, parseAllowEntry } from './allowlist.js';

export interface ProxyEvent {
  protocol: 'http-connect' | 'http-forward' | 'socks5';
  host: string;
  port: number;
  allowed: boolean;
  reason: string;
  address?: string;
}

export interface AllowlistProxy {
  /** Unix socket path (Linux), or '' when listening on TCP. */
  socketPath: string;
  /** TCP port on 127.0.0.1 when started with `tcp: true` (macOS, where nothing is bind-mounted). */
  port?: number;
  events: ProxyEvent[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** Listen on this Unix socket... */
  socketPath?: string;
  /** ...or on 127.0.0.1:<ephemeral>. */
  tcp?: boolean;
  allow: string[];
  /** Name resolution on the host (injectable for tests). */
  resolve?: (host: string) => Promise<string>;
  onEvent?: (e: ProxyEvent) => void;
  /** Max bytes of an HTTP request head. */
  maxHeadBytes?: number;
  /** Concurrent client connections (default 256). */
  maxConnections?: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * The host side of the network allowlist: one Unix socket speaking HTTP CONNECT, plain HTTP
 * forwarding (absolute-URI requests) and SOCKS5 (CONNECT only; for non-HTTP TCP), told apart by the
 * first byte (0x05 = SOCKS5). Names are resolved here on the host; the sandbox has no DNS. A name
 * that resolves to a loopback or link-local address is refused unless that literal address (or the
 * name `localhost`) is itself listed, so an allowlisted name cannot be re-pointed at host services.
 */
export async function startAllowlistProxy(opts: ProxyOptions): Promise<AllowlistProxy> {
  const entries: AllowEntry[] = opts.allow.map(parseAllowEntry);
  const resolve = opts.resolve ?? (async (h: string) => (await lookup(h)).address);
  const events: ProxyEvent[] = [];
  const sockets = new Set<Socket>();
  const maxHead = opts.maxHeadBytes ?? 64 * 1024;

  const record = (e: ProxyEvent) => {
    events.push(e);
    opts.onEvent?.(e);
  };

  async function authorize(
    protocol: ProxyEvent['protocol'],
    host: string,
    port: number,
  ): Promise<{ ok: true; address: string } | { ok: false; reason: string }> {
    const d = matchAllowlist(entries, host, port);
    if (!d.allowed) {
      record({ protocol, host, port, allowed: false, reason: d.reason });
      return { ok: false, reason: d.reason };
    }
    let address: string;
    try {
      address = isIP(host.replace(/^\[|\]$/g, '')) ? host.replace(/^\[|\]$/g, '') : await resolve(host);
    } catch (err) {
      const reason = `cannot resolve ${host}: ${(err as Error).message}`;
      record({ protocol, host, port, allowed: false, reason });
      return { ok: false, reason };
    }
    if (isLocalAddress(address) && !d.entry!.ip && d.entry!.host !== 'localhost') {
      const reason = `${host} resolves to local address ${address}; list the address itself to allow it`;
      record({ protocol, host, port, allowed: false, reason, address });
      return { ok: false, reason };
    }
    record({ protocol, host, port, allowed: true, reason: d.reason, address });
    return { ok: true, address };
  }

  function upstream(address: string, port: number): Promise<Socket> {
    return new Promise((res, rej) => {
      const s = tcpConnect({ host: address, port });
      sockets.add(s);
      s.once('connect', () => res(s));
      s.once('error', rej);
      s.once('close', () => sockets.delete(s));
    });
  }

  function splice(a: Socket, b: Socket): void {
    a.pipe(b);
    b.pipe(a);
    const end = () => {
      a.destroy();
      b.destroy();
    };
    a.on('error', end);
    b.on('error', end);
    a.on('close', end);
    b.on('close', end);
  }

  async function handleSocks(client: Socket, first: Buffer): Promise<void> {
    let buf = first;
    const need = async (n: number): Promise<void> => {
      while (buf.length < n) {
        const chunk: Buffer | null = await new Promise((res) => {
          client.once('data', res);
          client.once('close', () => res(null));
        });
        if (!chunk) throw new Error('closed');
        buf = Buffer.concat([buf, chunk]);
      }
    };
    await need(2);
    const nMethods = buf[1]!;
    await need(2 + nMethods);
    const methods = buf.subarray(2, 2 + nMethods);
    if (!methods.includes(0x00)) {
      client.end(Buffer.from([5, 0xff]));
      return;
    }
    client.write(Buffer.from([5, 0]));
    buf = buf.subarray(2 + nMethods);
    await need(4);
    const cmd = buf[1]!;
    const atyp = buf[3]!;
    let host: string;
    let off: number;
    if (atyp === 1) {
      await need(10);
      host = [...buf.subarray(4, 8)].join('.');
      off = 8;
    } else if (atyp === 3) {
      await need(5);
      const len = buf[4]!;
      await need(5 + len + 2);
      host = buf.subarray(5, 5 + len).toString('latin1');
      off = 5 + len;
    } else if (atyp === 4) {
      await need(22);
      const parts: string[] = [];
      for (let i = 0; i < 8; i++) parts.push(buf.readUInt16BE(4 + i * 2).toString(16));
      host = parts.join(':');
      off = 20;
    } else {
      client.end(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]));
      return;
    }
    const port = buf.readUInt16BE(off);
    const rest = buf.subarray(off + 2);
    if (cmd !== 1) {
      client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0])); // command not supported (no BIND/UDP)
      return;
    }
    // Hold further bytes (early TLS ClientHello, a request body) while we decide: a flowing socket
    // with no 'data' listener would drop them. pipe() resumes it.
    client.pause();
    const auth = await authorize('socks5', host, port);
    if (!auth.ok) {
      client.resume();
      client.end(Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])); // connection not allowed by ruleset
      return;
    }
    let up: Socket;
    try {
      up = await upstream(auth.address, port);
    } catch {
      client.resume();
      client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
      return;
    }
    client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
    if (rest.length) up.write(rest);
    splice(client, up);
  }

  function refuseHttp(client: Socket, status: string, reason: string): void {
    const body = `mcphub sandbox: ${reason}\n`;
    client.resume(); // it may have been paused while deciding; let the close through
    client.end(
      `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nX-Mcphub-Denied: network.allow\r\n\r\n${body}`,
    );
  }

  async function handleHttp(client: Socket, first: Buffer): Promise<void> {
    let buf = first;
    while (buf.indexOf(HEAD_END) < 0) {
      if (buf.length > maxHead)
        return refuseHttp(client, '431 Request Header Fields Too Large', 'head too large');
      const chunk: Buffer | null = await new Promise((res) => {
        client.once('data', res);
        client.once('close', () => res(null));
      });
      if (!chunk) return;
      buf = Buffer.concat([buf, chunk]);
    }
    const headEnd = buf.indexOf(HEAD_END);
    const head = buf.subarray(0, headEnd).toString('latin1');
    const body = buf.subarray(headEnd + 4);
    const [requestLine, ...headerLines] = head.split('\r\n');
    const [method, target, version] = (requestLine ?? '').split(' ');
    if (!method || !target || !version) return refuseHttp(client, '400 Bad Request', 'malformed request');

    if (method.toUpperCase() === 'CONNECT') {
      const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
      if (!m) return refuseHttp(client, '400 Bad Request', `bad CONNECT target ${target}`);
      const host = m[1]!.replace(/^\[|\]$/g, '');
      const port = Number(m[2]);
      client.pause(); // see handleSocks
      const auth = await authorize('http-connect', host, port);
      if (!auth.ok) return refuseHttp(client, '403 Forbidden', auth.reason);
      let up: Socket;
      try {
        up = await upstream(auth.address, port);
      } catch (err) {
        return refuseHttp(client, '502 Bad Gateway', (err as Error).message);
      }
      client.write(`${version} 200 Connection Established\r\n\r\n`);
      if (body.length) up.write(body);
      splice(client, up);
      return;
    }

    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return refuseHttp(client, '400 Bad Request', 'a proxy request needs an absolute URL');
    }
    if (url.protocol !== 'http:') {
      return refuseHttp(
        client,
        '400 Bad Request',
        `only http:// is forwarded; use CONNECT for ${url.protocol}`,
      );
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port ? Number(url.port) : 80;
    client.pause(); // see handleSocks
    const auth = await authorize('http-forward', host, port);
    if (!auth.ok) return refuseHttp(client, '403 Forbidden', auth.reason);
    let up: Socket;
    try {
      up = await upstream(auth.address, port);
    } catch (err) {
      return refuseHttp(client, '502 Bad Gateway', (err as Error).message);
    }
    // One request per connection: rewrite to origin-form, drop hop-by-hop proxy headers, and set
    // Host from the checked URL — a client-chosen Host would let it reach another virtual host on
    // an allowed address (shared hosting, CDNs).
    const kept = headerLines.filter((l) => !/^(proxy-|connection:|keep-alive:|host:)/i.test(l));
    up.write(
      `${method} ${url.pathname}${url.search} ${version}\r\n${[`Host: ${url.host}`, ...kept, 'Connection: close'].join('\r\n')}\r\n\r\n`,
    );
    if (body.length) up.write(body);
    splice(client, up);
  }

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.once('data', (first: Buffer) => {
      const handler = first[0] === 0x05 ? handleSocks : handleHttp;
      handler(client, first).catch(() => client.destroy());
    });
  });

  // A sandbox that opens connections without end should exhaust its own limits, not the host's.
  server.maxConnections = opts.maxConnections ?? 256;
  const socketPath = opts.socketPath ?? '';
  if (!socketPath && !opts.tcp)
    throw new SandboxError('SBX_ERR_PROXY_FAILED', 'no socketPath and tcp not set');
  if (socketPath) rmSync(socketPath, { force: true });
  await new Promise<void>((res, rej) => {
    server.once('error', (err) => rej(new SandboxError('SBX_ERR_PROXY_FAILED', err.message)));
    if (socketPath) server.listen(socketPath, () => res());
    else server.listen(0, '127.0.0.1', () => res());
  });
  // The sandboxed uid must be able to connect; the socket's directory is private to this run.
  if (socketPath) chmodSync(socketPath, 0o666);
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : undefined;

  return {
    socketPath,
    ...(port ? { port } : {}),
    events,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          if (socketPath) rmSync(socketPath, { force: true });
          res();
        });
      }),
  };
}
