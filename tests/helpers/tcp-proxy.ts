import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/**
 * A TCP proxy on a fixed loopback port in front of a real service (RabbitMQ, s3rver) that a test
 * can take down (connections refused, open ones cut) and bring back on the same port.
 */
export interface SwitchableProxy {
  port: number;
  up(): Promise<void>;
  /** Closes the listener and cuts every open connection: the service looks unreachable. */
  down(): Promise<void>;
  isUp(): boolean;
}

export async function switchableProxy(target: { host: string; port: number }): Promise<SwitchableProxy> {
  const port = await freePort();
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  return {
    port,
    isUp: () => server !== null,
    async up() {
      if (server) return;
      const s = createServer((client) => {
        const upstream = tcpConnect(target);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => undefined);
        }
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      server = s;
    },
    async down() {
      const s = server;
      server = null;
      for (const sock of sockets) sock.destroy();
      sockets.clear();
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
