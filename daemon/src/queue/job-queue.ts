/**
 * The JobQueue port: at-least-once delivery with ack/nack, retries with backoff and a dead-letter
 * list. The embedded adapter keeps messages in SQLite; the AMQP adapter (remote hub) passes the same
 * contract suite (`job-queue.contract.ts`).
 */
export interface QueueMessage<T = unknown> {
  id: string;
  queue: string;
  body: T;
  /** 1 on first delivery, incremented on every redelivery. */
  attempt: number;
}

export interface Delivery<T = unknown> extends QueueMessage<T> {
  ack(): Promise<void>;
  /** Gives the message back: retried after a backoff, or dead-lettered once attempts run out. */
  nack(reason: string): Promise<void>;
}

export interface PublishOptions {
  /** A stable id makes publishing idempotent: a second publish with the same id is dropped. */
  messageId?: string;
  delayMs?: number;
}

export interface ConsumeOptions {
  /** How many messages may be in the handler at once. */
  prefetch?: number;
}

export interface QueueDepth {
  ready: number;
  inFlight: number;
  dead: number;
}

export interface Consumer {
  cancel(): Promise<void>;
}

export interface DeadLetter<T = unknown> extends QueueMessage<T> {
  lastError: string;
}

export interface JobQueue {
  publish<T>(queue: string, body: T, opts?: PublishOptions): Promise<string>;
  /** Calls `handler` for each message; a handler that resolves acks, one that throws nacks. */
  consume<T>(
    queue: string,
    handler: (d: Delivery<T>) => Promise<void>,
    opts?: ConsumeOptions,
  ): Promise<Consumer>;
  depth(queue: string): Promise<QueueDepth>;
  deadLetters<T>(queue: string): Promise<DeadLetter<T>[]>;
  close(): Promise<void>;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 };

/** Exponential backoff: base·2^(attempt-1), capped. Deterministic so tests can reason about it. */
export function backoffMs(attempt: number, retry: RetryPolicy): number {
  return Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}
