import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import {
  backoffMs,
  type ConsumeOptions,
  type Consumer,
  DEFAULT_RETRY,
  type DeadLetter,
  type Delivery,
  type JobQueue,
  type PublishOptions,
  type QueueDepth,
  type RetryPolicy,
} from './job-queue.js';

export interface AmqpJobQueueOptions {
  url: string;
  retry?: Partial<RetryPolicy>;
  /** How many recent message ids one producer remembers to drop duplicate publishes. */
  dedupeWindow?: number;
  reconnect?: { minDelayMs: number; maxDelayMs: number };
  /** Prepended to every queue name, so several hubs (or test runs) can share one broker. */
  queuePrefix?: string;
  onEvent?: (event: { kind: 'connected' | 'disconnected' | 'reconnect-failed'; detail?: string }) => void;
}

const ATTEMPT = 'x-mcphub-attempt';
const LAST_ERROR = 'x-mcphub-last-error';
const retryQueueOf = (q: string) => `${q}.retry`;
const deadQueueOf = (q: string) => `${q}.dead`;

interface ConsumerState {
  queue: string;
  handler: (d: Delivery<unknown>) => Promise<void>;
  prefetch: number;
  channel: Channel | null;
  tag: string | null;
  cancelled: boolean;
}

/**
 * JobQueue over AMQP 0-9-1 (RabbitMQ, LavinMQ). Durable queues, persistent messages, publisher
 * confirms, manual acks and prefetch. A failed delivery is republished to `<queue>.retry` with a
 * per-message TTL that dead-letters it back to `<queue>` (exponential backoff); after the last
 * attempt it goes to `<queue>.dead` with the error. A consumer that dies unacked gets its message
 * redelivered by the broker. The connection is re-established with backoff and consumers resume.
 *
 * Duplicate publishes with the same message id are dropped by the producer that sent them (within
 * `dedupeWindow` ids); across producers, handlers must be idempotent, as the hub's are.
 */
export class AmqpJobQueue implements JobQueue {
  private conn: ChannelModel | null = null;
  private pub: ConfirmChannel | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private readonly asserted = new Set<string>();
  private readonly recentIds: string[] = [];
  private readonly recentSet = new Set<string>();
  private readonly consumers = new Set<ConsumerState>();
  private inFlight = new Map<string, number>();
  private readonly retry: RetryPolicy;

  constructor(private readonly opts: AmqpJobQueueOptions) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
  }

  /** Connects (or waits for the connection in progress); consumers are re-attached after a reconnect. */
  private async ready(): Promise<ConfirmChannel> {
    if (this.closed) throw new Error('queue closed');
    if (this.pub) return this.pub;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    await this.connecting;
    return this.pub!;
  }

  private async connect(): Promise<void> {
    const conn = await amqp.connect(this.opts.url);
    conn.on('error', () => undefined);
    conn.on('close', () => this.onDisconnect(conn));
    this.conn = conn;
    this.asserted.clear();
    this.pub = await conn.createConfirmChannel();
    this.pub.on('error', () => undefined);
    this.opts.onEvent?.({ kind: 'connected' });
    for (const c of this.consumers) if (!c.cancelled) await this.attach(c);
  }

  private onDisconnect(conn: ChannelModel): void {
    if (this.conn !== conn) return;
    this.conn = null;
    this.pub = null;
    for (const c of this.consumers) {
      c.channel = null;
      c.tag = null;
    }
    this.inFlight = new Map();
    if (this.closed) return;
    this.opts.onEvent?.({ kind: 'disconnected' });
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    const { minDelayMs, maxDelayMs } = this.opts.reconnect ?? { minDelayMs: 200, maxDelayMs: 10_000 };
    for (let attempt = 0; !this.closed && !this.pub; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(maxDelayMs, minDelayMs * 2 ** attempt)));
      if (this.closed || this.pub) return;
      try {
        await this.ready();
      } catch (err) {
        this.opts.onEvent?.({ kind: 'reconnect-failed', detail: (err as Error).message });
      }
    }
  }

  private async assertTopology(ch: Channel, queue: string): Promise<void> {
    if (this.asserted.has(queue)) return;
    await ch.assertQueue(queue, { durable: true });
    await ch.assertQueue(retryQueueOf(queue), {
      durable: true,
      deadLetterExchange: '',
      deadLetterRoutingKey: queue,
    });
    await ch.assertQueue(deadQueueOf(queue), { durable: true });
    this.asserted.add(queue);
  }

  private async send(
    queue: string,
    body: Buffer,
    props: { messageId: string; attempt: number; expiration?: number; lastError?: string },
  ) {
    const ch = await this.ready();
    const target = props.expiration !== undefined ? retryQueueOf(queue.replace(/\.retry$/, '')) : queue;
    await new Promise<void>((resolve, reject) => {
      ch.sendToQueue(
        target,
        body,
        {
          persistent: true,
          contentType: 'application/json',
          messageId: props.messageId,
          headers: {
            [ATTEMPT]: props.attempt,
            ...(props.lastError ? { [LAST_ERROR]: props.lastError.slice(0, 2000) } : {}),
          },
          ...(props.expiration !== undefined
            ? { expiration: String(Math.max(1, Math.round(props.expiration))) }
            : {}),
        },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }

  private named(queue: string): string {
    return `${this.opts.queuePrefix ?? ''}${queue}`;
  }

  async publish<T>(name: string, body: T, opts: PublishOptions = {}): Promise<string> {
    const queue = this.named(name);
    const id = opts.messageId ?? randomUUID();
    if (this.recentSet.has(id)) return id;
    const ch = await this.ready();
    await this.assertTopology(ch, queue);
    await this.send(queue, Buffer.from(JSON.stringify(body)), {
      messageId: id,
      attempt: 0,
      ...(opts.delayMs ? { expiration: opts.delayMs } : {}),
    });
    this.recentSet.add(id);
    this.recentIds.push(id);
    if (this.recentIds.length > (this.opts.dedupeWindow ?? 10_000))
      this.recentSet.delete(this.recentIds.shift()!);
    return id;
  }

  private async attach(c: ConsumerState): Promise<void> {
    const conn = this.conn!;
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await this.assertTopology(ch, c.queue);
    await ch.prefetch(c.prefetch);
    c.channel = ch;
    const { consumerTag } = await ch.consume(c.queue, (msg) => {
      if (msg) void this.deliver(c, ch, msg);
    });
    c.tag = consumerTag;
  }

  private async deliver(c: ConsumerState, ch: Channel, msg: ConsumeMessage): Promise<void> {
    const previous = Number(msg.properties.headers?.[ATTEMPT] ?? 0);
    // A redelivery means a consumer died holding it: count that delivery too.
    const attempt = previous + 1 + (msg.fields.redelivered ? 1 : 0);
    const id = String(msg.properties.messageId ?? randomUUID());
    this.inFlight.set(c.queue, (this.inFlight.get(c.queue) ?? 0) + 1);
    let settled = false;
    const settle = async (fn: () => Promise<void>) => {
      if (settled) return;
      settled = true;
      try {
        await fn();
        ch.ack(msg);
      } finally {
        this.inFlight.set(c.queue, Math.max(0, (this.inFlight.get(c.queue) ?? 1) - 1));
      }
    };
    const delivery: Delivery<unknown> = {
      id,
      queue: c.queue,
      body: JSON.parse(msg.content.toString('utf8')),
      attempt,
      ack: () => settle(async () => undefined),
      nack: (reason: string) =>
        settle(async () => {
          if (attempt >= this.retry.maxAttempts) {
            await this.send(deadQueueOf(c.queue), msg.content, { messageId: id, attempt, lastError: reason });
          } else {
            await this.send(c.queue, msg.content, {
              messageId: id,
              attempt,
              expiration: backoffMs(attempt, this.retry),
            });
          }
        }),
    };
    try {
      await c.handler(delivery);
      await delivery.ack();
    } catch (err) {
      await delivery.nack(err instanceof Error ? err.message : String(err)).catch(() => undefined);
    }
  }

  async consume<T>(
    name: string,
    handler: (d: Delivery<T>) => Promise<void>,
    opts: ConsumeOptions = {},
  ): Promise<Consumer> {
    const queue = this.named(name);
    await this.ready();
    const state: ConsumerState = {
      queue,
      handler: handler as (d: Delivery<unknown>) => Promise<void>,
      prefetch: Math.max(1, opts.prefetch ?? 1),
      channel: null,
      tag: null,
      cancelled: false,
    };
    this.consumers.add(state);
    await this.attach(state);
    return {
      cancel: async () => {
        state.cancelled = true;
        this.consumers.delete(state);
        if (state.channel && state.tag) await state.channel.cancel(state.tag).catch(() => undefined);
        await state.channel?.close().catch(() => undefined);
      },
    };
  }

  async depth(name: string): Promise<QueueDepth> {
    const queue = this.named(name);
    if (!this.conn) await this.ready();
    const conn = this.conn!;
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      await this.assertTopology(ch, queue);
      const [main, retry, dead] = await Promise.all([
        ch.checkQueue(queue),
        ch.checkQueue(retryQueueOf(queue)),
        ch.checkQueue(deadQueueOf(queue)),
      ]);
      return {
        ready: main.messageCount + retry.messageCount,
        inFlight: this.inFlight.get(queue) ?? 0,
        dead: dead.messageCount,
      };
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async deadLetters<T>(name: string): Promise<DeadLetter<T>[]> {
    const queue = this.named(name);
    await this.ready();
    const ch = await this.conn!.createChannel();
    ch.on('error', () => undefined);
    try {
      await this.assertTopology(ch, queue);
      const out: DeadLetter<T>[] = [];
      for (;;) {
        const msg = await ch.get(deadQueueOf(queue), { noAck: false });
        if (!msg) break;
        out.push({
          id: String(msg.properties.messageId),
          queue,
          body: JSON.parse(msg.content.toString('utf8')) as T,
          attempt: Number(msg.properties.headers?.[ATTEMPT] ?? 0),
          lastError: String(msg.properties.headers?.[LAST_ERROR] ?? ''),
        });
      }
      // Reading is not consuming: put every dead letter back.
      ch.nackAll(true);
      return out;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Deletes a queue and its retry and dead queues (tests and `mcphub` maintenance). */
  async purge(name: string): Promise<void> {
    const queue = this.named(name);
    await this.ready();
    const ch = await this.conn!.createChannel();
    ch.on('error', () => undefined);
    for (const q of [queue, retryQueueOf(queue), deadQueueOf(queue)])
      await ch.deleteQueue(q).catch(() => undefined);
    this.asserted.delete(queue);
    await ch.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.consumers) c.cancelled = true;
    this.consumers.clear();
    // Closing the connection hands every unacked message back to the broker.
    await this.conn?.close().catch(() => undefined);
    this.conn = null;
    this.pub = null;
  }
}
