import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery, JobQueue } from './job-queue.js';

export interface QueueHarness {
  /** Opens a queue instance on the shared storage/broker (call twice to simulate two processes). */
  open(opts: { visibilityTimeoutMs: number; maxAttempts: number; baseDelayMs: number }): Promise<JobQueue>;
  /** A queue name unique to one test. */
  queueName(): string;
  cleanup(): Promise<void>;
}

const opts = { visibilityTimeoutMs: 400, maxAttempts: 3, baseDelayMs: 20 };

async function until<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end)
      throw new Error(`condition not reached in ${ms} ms; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The one suite every JobQueue adapter passes (embedded SQLite, AMQP). */
export function describeJobQueueContract(name: string, makeHarness: () => Promise<QueueHarness>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let harness: QueueHarness;
    const opened: JobQueue[] = [];
    const open = async (o = opts) => {
      harness ??= await makeHarness();
      const q = await harness.open(o);
      opened.push(q);
      return q;
    };
    afterEach(async () => {
      await Promise.allSettled(opened.splice(0).map((q) => q.close()));
      await harness?.cleanup();
    });

    it('delivers a published message once and forgets it after ack', async () => {
      const q = await open();
      const queue = harness.queueName();
      await q.publish(queue, { jobId: 'j1', n: 1 });
      const seen: Delivery<{ jobId: string }>[] = [];
      await q.consume<{ jobId: string }>(queue, async (d) => {
        seen.push(d);
      });
      await until(
        () => seen.length,
        (n) => n === 1,
      );
      await until(
        () => q.depth(queue),
        (d) => d.ready === 0 && d.inFlight === 0,
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(seen.map((d) => [d.body.jobId, d.attempt])).toEqual([['j1', 1]]);
    });

    it('redelivers after a failing handler, then succeeds', async () => {
      const q = await open();
      const queue = harness.queueName();
      await q.publish(queue, { jobId: 'flaky' });
      const attempts: number[] = [];
      await q.consume(queue, async (d) => {
        attempts.push(d.attempt);
        if (d.attempt < 2) throw new Error('transient');
      });
      await until(
        () => attempts.length,
        (n) => n >= 2,
      );
      await until(
        () => q.depth(queue),
        (d) => d.ready + d.inFlight + d.dead === 0,
      );
      expect(attempts).toEqual([1, 2]);
    });

    it('dead-letters a message that keeps failing, with the last error', async () => {
      const q = await open();
      const queue = harness.queueName();
      await q.publish(queue, { jobId: 'poison' });
      let calls = 0;
      await q.consume(queue, async () => {
        calls += 1;
        throw new Error(`boom ${calls}`);
      });
      const dead = await until(
        () => q.deadLetters<{ jobId: string }>(queue),
        (d) => d.length === 1,
      );
      expect(calls).toBe(opts.maxAttempts);
      expect(dead[0]!.body.jobId).toBe('poison');
      expect(dead[0]!.lastError).toContain(`boom ${opts.maxAttempts}`);
      expect((await q.depth(queue)).dead).toBe(1);
    });

    it('drops a second publish with the same message id (idempotent producer)', async () => {
      const q = await open();
      const queue = harness.queueName();
      await q.publish(queue, { v: 1 }, { messageId: 'same' });
      await q.publish(queue, { v: 2 }, { messageId: 'same' });
      const bodies: unknown[] = [];
      await q.consume(queue, async (d) => {
        bodies.push(d.body);
      });
      await until(
        () => bodies.length,
        (n) => n >= 1,
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(bodies).toEqual([{ v: 1 }]);
    });

    it('redelivers a message whose consumer died before acking (at-least-once)', async () => {
      const crashing = await open();
      const queue = harness.queueName();
      await crashing.publish(queue, { jobId: 'survivor' });
      let taken = false;
      await crashing.consume(queue, async () => {
        taken = true;
        await new Promise(() => undefined); // never settles: the process "dies" holding the message
      });
      await until(
        () => taken,
        (t) => t,
      );
      void crashing.close().catch(() => undefined);
      opened.splice(opened.indexOf(crashing), 1);

      const survivor = await open();
      const got: { body: unknown; attempt: number }[] = [];
      await survivor.consume(queue, async (d) => {
        got.push({ body: d.body, attempt: d.attempt });
      });
      await until(
        () => got.length,
        (n) => n === 1,
      );
      expect(got[0]!.body).toEqual({ jobId: 'survivor' });
      expect(got[0]!.attempt).toBeGreaterThanOrEqual(2);
    });

    it('does not redeliver a message whose handler is alive but slower than the visibility timeout', async () => {
      const q = await open();
      const queue = harness.queueName();
      await q.publish(queue, { slow: true });
      const attempts: number[] = [];
      await q.consume(queue, async (d) => {
        attempts.push(d.attempt);
        await new Promise((r) => setTimeout(r, opts.visibilityTimeoutMs * 3));
      });
      await until(
        () => q.depth(queue),
        (d) => d.ready + d.inFlight === 0,
        10_000,
      );
      expect(attempts).toEqual([1]);
    });

    it('keeps at most `prefetch` messages in handlers at once', async () => {
      const q = await open();
      const queue = harness.queueName();
      for (let i = 0; i < 6; i++) await q.publish(queue, { i });
      let active = 0;
      let peak = 0;
      let done = 0;
      await q.consume(
        queue,
        async () => {
          active += 1;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 40));
          active -= 1;
          done += 1;
        },
        { prefetch: 2 },
      );
      await until(
        () => done,
        (n) => n === 6,
      );
      expect(peak).toBe(2);
    });
  });
}
