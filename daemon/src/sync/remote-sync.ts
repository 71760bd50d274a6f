import type { StatusChange } from '@mcphub/registry';
import type { Config } from '../config/schema.js';
import type { JobStore } from '../jobs/job-store.js';
import { jwksOf, type SigningKey } from '../keys/signing-key.js';
import type { Logger } from '../logger.js';
import { readTrustedKeys } from './mirror.js';
import { type Outbox, outboxDelayMs } from './outbox.js';
import { RevocationBus, signRevocation } from './revocation-bus.js';
import { nodeIdOf, type Revocation, RevocationList } from './revocation-list.js';
import { type UpstreamForward, upstreamForwarder } from './upstream.js';

type Stopper = () => Promise<void>;

/**
 * Starts a part that needs the broker. A broker that is down does not stop the daemon: the part is
 * started again with jittered backoff in the background, and work waits in the outbox meanwhile.
 * Returns a stopper that ends the retries.
 */
export async function startWhenReachable(
  what: string,
  start: () => Promise<void>,
  undo: () => Promise<void>,
  opts: { config: Config; logger: Logger },
): Promise<Stopper> {
  const { config, logger } = opts;
  let stopped = false;
  const attempt = async (n: number): Promise<boolean> => {
    try {
      await start();
      if (n > 1) logger.info({ what }, 'broker reachable again: started');
      return true;
    } catch (err) {
      await undo().catch(() => undefined);
      logger.warn({ what, attempt: n, err: (err as Error).message }, 'broker unreachable; retrying');
      return false;
    }
  };
  if (!(await attempt(1))) {
    void (async () => {
      for (let n = 2; !stopped; n++) {
        const delay = outboxDelayMs(n - 1, config.sync.retryMinMs, config.sync.retryMaxMs);
        await new Promise((r) => setTimeout(r, delay));
        if (stopped || (await attempt(n))) return;
      }
    })();
  }
  return async () => {
    stopped = true;
  };
}

/**
 * Revocations: recorded in this home's list (pull and run refuse them) and, with a broker, signed
 * and announced to every connected daemon (through the outbox while the broker is down); the
 * daemon records the ones other hubs it trusts announce. Returns the registry's status hook.
 */
export function setupRevocations(deps: {
  config: Config;
  signingKey: SigningKey;
  outbox: Outbox;
  logger: Logger;
  /** Where this hub's registry is, as recorded in a revocation's origin. */
  registryUrl: () => string;
}): { onStatusChange: (change: StatusChange) => Promise<void>; close: Stopper } {
  const { config, signingKey, outbox, logger } = deps;
  const revocations = new RevocationList(config.home);
  let bus: RevocationBus | null = null;
  if (config.amqpUrl) {
    const b = new RevocationBus({
      url: config.amqpUrl,
      ...(config.queue.prefix ? { prefix: config.queue.prefix } : {}),
      nodeId: nodeIdOf(config.home),
      // Only revocations signed by this hub or a hub trusted in trusted-jwks.json are accepted.
      trusted: () => ({ keys: [...jwksOf(signingKey).keys, ...readTrustedKeys(config.home).keys] }),
      connectTimeoutMs: config.sync.dispatchTimeoutMs,
      reconnect: { minDelayMs: config.sync.retryMinMs, maxDelayMs: config.sync.retryMaxMs },
      logger: logger.child({ role: 'revocations' }),
    });
    bus = b;
    b.subscribe(({ signedBy, ...r }) => {
      if (revocations.add([r]) > 0)
        logger.warn(
          {
            name: r.name,
            version: r.version,
            digest: r.digest,
            origin: r.origin,
            reason: r.reason,
            signedBy,
          },
          'revocation received: pull and run refuse this digest from now on',
        );
    });
    outbox.on('revocation', (row) => b.publish(JSON.parse(row.payload)));
  }
  return {
    onStatusChange: async (change) => {
      if (change.to !== 'revoked') return;
      const r: Revocation = {
        schemaVersion: 1,
        name: change.name,
        version: change.version,
        digest: change.digest,
        bundleDigest: change.bundleDigest,
        reason: change.reason ?? 'revoked',
        revokedAt: change.at,
        origin: deps.registryUrl(),
      };
      revocations.add([r]);
      if (bus) {
        await outbox.enqueue('revocation', r.digest, signRevocation(r, signingKey));
        void outbox.kick('revocation');
      }
    },
    close: async () => {
      await bus?.close();
    },
  };
}

/**
 * With `sync.upstreamUrl`, every version this hub publishes is forwarded upstream through the
 * outbox (so it waits while the upstream is down, survives a restart and goes out in order).
 */
export function setupUpstreamForwarding(deps: {
  config: Config;
  jobs: JobStore;
  signingKey: SigningKey;
  outbox: Outbox;
  logger: Logger;
  registryUrl: () => string;
}): void {
  const { config, outbox, logger } = deps;
  const upstreamUrl = config.sync.upstreamUrl;
  if (!upstreamUrl) return;
  const forward = upstreamForwarder({
    localUrl: deps.registryUrl,
    upstreamUrl,
    ...(config.sync.upstreamToken ? { upstreamToken: config.sync.upstreamToken } : {}),
    signingKey: deps.signingKey,
    logger: logger.child({ role: 'upstream' }),
  });
  outbox.on('upstream', (row) => forward(JSON.parse(row.payload) as UpstreamForward));
  deps.jobs.events.on('transition', (t) => {
    if (t.to !== 'PUBLISHED') return;
    const item: UpstreamForward = { name: `${t.org}/${t.name}`, version: t.version };
    outbox
      .enqueue('upstream', `${item.name}@${item.version}`, item)
      .then(() => outbox.kick('upstream'))
      .catch((err: unknown) => logger.error({ err, ...item }, 'cannot queue the upstream forward'));
  });
}
