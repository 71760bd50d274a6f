import { type DsseEnvelope, signEnvelope, verifyEnvelope } from '@mcphub/registry';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Jwks, SigningKey } from '../keys/signing-key.js';
import type { Logger } from '../logger.js';
import type { Revocation } from './revocation-list.js';

export const REVOCATIONS_EXCHANGE = 'mcphub.revocations';
export const REVOCATION_PAYLOAD_TYPE = 'application/vnd.mcphub.revocation.v1+json';

/** A revocation travels as a DSSE envelope signed with the revoking hub's key. */
export function signRevocation(r: Revocation, key: SigningKey): DsseEnvelope {
  return signEnvelope(Buffer.from(JSON.stringify(r)), REVOCATION_PAYLOAD_TYPE, key.privateKey, key.kid);
}

/** The revocation inside an envelope signed by a trusted key; throws saying why not. */
export function openRevocation(envelope: unknown, trusted: Jwks): Revocation & { signedBy: string } {
  const v = verifyEnvelope<Revocation>(envelope, trusted as never);
  if (v.payloadType !== REVOCATION_PAYLOAD_TYPE) throw new Error(`not a revocation: ${v.payloadType}`);
  const r = v.payload;
  if (r?.schemaVersion !== 1 || typeof r.digest !== 'string' || typeof r.bundleDigest !== 'string')
    throw new Error('malformed revocation');
  return { ...r, signedBy: v.keyid };
}

export interface RevocationBusOptions {
  url: string;
  /** Queue and exchange name prefix (`queue.prefix`). */
  prefix?: string;
  /** This daemon's stable id: its subscription queue is durable, so revocations sent while it was away wait for it. */
  nodeId: string;
  /** Keys whose revocations are accepted (this hub's and the remote hubs it trusts), read per message. */
  trusted: () => Jwks;
  connectTimeoutMs?: number;
  reconnect?: { minDelayMs: number; maxDelayMs: number };
  logger: Logger;
}

/**
 * Revocations as messages: a fanout exchange every connected daemon binds its own durable queue
 * to. Publishing uses publisher confirms (the caller keeps the message in its outbox until then);
 * the subscription reconnects with backoff and acks a message only after it is recorded.
 */
export class RevocationBus {
  private conn: ChannelModel | null = null;
  private pub: ConfirmChannel | null = null;
  private connecting: Promise<ConfirmChannel> | null = null;
  private handler: ((r: Revocation & { signedBy: string }) => Promise<void> | void) | null = null;
  private closed = false;

  constructor(private readonly opts: RevocationBusOptions) {}

  private get exchange() {
    return `${this.opts.prefix ?? ''}${REVOCATIONS_EXCHANGE}`;
  }

  private async ready(): Promise<ConfirmChannel> {
    if (this.closed) throw new Error('revocation bus closed');
    if (this.pub) return this.pub;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<ConfirmChannel> {
    const conn = await amqp.connect(
      this.opts.url,
      this.opts.connectTimeoutMs ? { timeout: this.opts.connectTimeoutMs } : {},
    );
    conn.on('error', () => undefined);
    conn.on('close', () => {
      if (this.conn !== conn) return;
      this.conn = null;
      this.pub = null;
      if (!this.closed && this.handler) void this.reconnectLoop();
    });
    const pub = await conn.createConfirmChannel();
    pub.on('error', () => undefined);
    await pub.assertExchange(this.exchange, 'fanout', { durable: true });
    this.conn = conn;
    this.pub = pub;
    if (this.handler) await this.attach(conn);
    return pub;
  }

  private async attach(conn: ChannelModel): Promise<void> {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    const queue = `${this.exchange}.${this.opts.nodeId}`;
    // Durable, so a daemon that was away still hears it; removed by the broker after a week unused.
    await ch.assertQueue(queue, { durable: true, expires: 7 * 24 * 3600 * 1000 });
    await ch.bindQueue(queue, this.exchange, '');
    await ch.prefetch(16);
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      void (async () => {
        let r: Revocation & { signedBy: string };
        try {
          r = openRevocation(JSON.parse(msg.content.toString('utf8')), this.opts.trusted());
        } catch (err) {
          // Unsigned, signed by an unknown key, or malformed: anyone with broker access could send
          // it, so it changes nothing.
          this.opts.logger.warn({ err: (err as Error).message }, 'revocation message refused');
          ch.nack(msg, false, false);
          return;
        }
        try {
          await this.handler?.(r);
          ch.ack(msg);
        } catch (err) {
          this.opts.logger.error({ err }, 'cannot record a revocation; it will be delivered again');
          ch.nack(msg, false, true);
        }
      })();
    });
  }

  private async reconnectLoop(): Promise<void> {
    const { minDelayMs, maxDelayMs } = this.opts.reconnect ?? { minDelayMs: 500, maxDelayMs: 30_000 };
    for (let attempt = 0; !this.closed && !this.pub; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(maxDelayMs, minDelayMs * 2 ** attempt)));
      if (this.closed || this.pub) return;
      try {
        await this.ready();
        this.opts.logger.info('revocation bus reconnected');
      } catch {
        // keep trying
      }
    }
  }

  /** Announces a signed revocation; resolves once the broker confirmed it. */
  async publish(r: DsseEnvelope): Promise<void> {
    const ch = await this.ready();
    await new Promise<void>((resolve, reject) => {
      ch.publish(
        this.exchange,
        '',
        Buffer.from(JSON.stringify(r)),
        { persistent: true, contentType: 'application/json' },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }

  /** Records every announced revocation with `handler`; keeps trying to connect in the background. */
  subscribe(handler: (r: Revocation & { signedBy: string }) => Promise<void> | void): void {
    this.handler = handler;
    if (this.conn) void this.attach(this.conn).catch(() => undefined);
    else void this.ready().catch(() => this.reconnectLoop());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.conn?.close().catch(() => undefined);
    this.conn = null;
    this.pub = null;
  }
}
