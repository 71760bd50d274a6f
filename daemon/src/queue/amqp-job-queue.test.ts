import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { AmqpJobQueue } from './amqp-job-queue.js';
import { describeJobQueueContract } from './job-queue.contract.js';

const BROKER = { host: '127.0.0.1', port: 5672 };
const URL = process.env.MCPHUB_TEST_AMQP_URL ?? `amqp://guest:guest@${BROKER.host}:${BROKER.port}`;

describeJobQueueContract('AMQP 0-9-1 (RabbitMQ on 127.0.0.1:5672)', async () => {
  const names: string[] = [];
  const admin = new AmqpJobQueue({ url: URL });
  return {
    open: async (o) =>
      new AmqpJobQueue({ url: URL, retry: { maxAttempts: o.maxAttempts, baseDelayMs: o.baseDelayMs } }),
    queueName: () => {
      const n = `mcphub.test.${randomUUID()}`;
      names.push(n);
      return n;
    },
    cleanup: async () => {
      for (const n of names.splice(0)) await admin.purge(n);
    },
  };
});

/** A TCP proxy between the client and the broker that a test can cut at will. */
async function cuttableProxy(): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(BROKER);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('AMQP faults', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('reconnects after the connection is cut and carries on: every message is handled, none lost', async () => {
    const proxy = await cuttableProxy();
    const events: string[] = [];
    const q = new AmqpJobQueue({
      url: proxy.url,
      reconnect: { minDelayMs: 50, maxDelayMs: 500 },
      onEvent: (e) => events.push(e.kind),
    });
    const queue = `mcphub.test.${randomUUID()}`;
    const admin = new AmqpJobQueue({ url: URL });
    cleanups.push(async () => {
      await q.close();
      await admin.purge(queue);
      await admin.close();
      await proxy.close();
    });
    const seen = new Set<number>();
    await q.consume<{ n: number }>(queue, async (d) => {
      await new Promise((r) => setTimeout(r, 5));
      seen.add(d.body.n);
    });
    for (let n = 0; n < 20; n++) await q.publish(queue, { n });
    proxy.cut(); // mid-flow: some messages unacked, the publisher channel gone
    for (let n = 20; n < 40; n++) {
      for (;;) {
        try {
          await q.publish(queue, { n });
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 50)); // the producer retries while the link is down
        }
      }
    }
    const end = Date.now() + 20_000;
    while (seen.size < 40 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(events).toContain('disconnected');
    expect(events.filter((e) => e === 'connected').length).toBeGreaterThanOrEqual(2);
  });
});
