import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createObjectStore } from '../../adapters.js';
import type { RbacAuthorizer } from '../../auth/rbac-authorizer.js';
import {
  configFileOf,
  configFileProblems,
  defaultPolicyFileOf,
  writeJsonAtomic,
} from '../../config/config-file.js';
import { envNameOf, readConfigFile } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { HubError } from '../../errors.js';
import { SOURCES_BUCKET } from '../../pipeline/messages.js';

export interface SettingsDeps {
  config: Config;
  authorizer: RbacAuthorizer;
  registryUrl: string;
}

/** The remote-hub keys of config.json the Settings screen edits. */
const REMOTE_KEYS = [
  'amqpUrl',
  's3Endpoint',
  's3AccessKey',
  's3SecretKey',
  's3Region',
  's3BucketPrefix',
] as const;
type RemoteKey = (typeof REMOTE_KEYS)[number];
type Remote = Partial<Record<RemoteKey, string>>;

const MASK = '***';
/** `amqp://user:secret@host` → `amqp://user:***@host`. */
export const maskUrl = (u: string) => u.replace(/\/\/([^:/@]+):([^@]+)@/, `//$1:${MASK}@`);
const passwordOf = (u: string) => /\/\/[^:/@]+:([^@]+)@/.exec(u)?.[1];

/** What a client may see of the remote settings: the secret key only as "set", the AMQP password masked. */
function presentRemote(r: Remote) {
  return {
    amqpUrl: r.amqpUrl ? maskUrl(r.amqpUrl) : null,
    s3Endpoint: r.s3Endpoint ?? null,
    s3AccessKey: r.s3AccessKey ?? null,
    s3SecretKeySet: Boolean(r.s3SecretKey),
    s3Region: r.s3Region ?? null,
    s3BucketPrefix: r.s3BucketPrefix ?? null,
  };
}
const remoteOf = (o: Record<string, unknown>): Remote =>
  Object.fromEntries(REMOTE_KEYS.filter((k) => typeof o[k] === 'string').map((k) => [k, o[k] as string]));
const sameRemote = (a: Remote, b: Remote) => REMOTE_KEYS.every((k) => (a[k] ?? null) === (b[k] ?? null));

/**
 * Applies a remote-settings patch to config.json's remote keys: a missing key is kept, `null` or ''
 * removes it, a string sets it. An AMQP URL sent back with the masked password keeps the stored one,
 * so the form can round-trip what it was shown without ever receiving the secret.
 */
function patchRemote(current: Remote, body: Record<string, unknown>): Remote {
  const next: Remote = { ...current };
  for (const k of REMOTE_KEYS) {
    if (!(k in body)) continue;
    const v = body[k];
    if (v === null || v === '') delete next[k];
    else if (typeof v === 'string') next[k] = v.trim();
    else throw new HubError('HUB_ERR_VALIDATION', `${k} must be a string or null`);
  }
  if (next.amqpUrl && passwordOf(next.amqpUrl) === MASK) {
    const stored = current.amqpUrl ? passwordOf(current.amqpUrl) : undefined;
    if (!stored) throw new HubError('HUB_ERR_VALIDATION', 'amqpUrl: give the password; none is stored');
    next.amqpUrl = next.amqpUrl.replace(`:${MASK}@`, `:${stored}@`);
  }
  return next;
}

/** The policy a run would get from the saved file, or why the file (edited by hand) is refused. */
function effectivePolicy(resolve: (i: never) => unknown, input: Record<string, unknown> | null) {
  try {
    return { effective: resolve((input ?? {}) as never), problem: null };
  } catch (err) {
    return { effective: null, problem: (err as Error).message };
  }
}

/** What still wins over config.json: `MCPHUB_*` variables of this daemon's environment. */
const envOverrides = (keys: string[][]) =>
  keys.map(envNameOf).filter((name) => process.env[name] !== undefined && process.env[name] !== '');

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Probe {
  adapter: string;
  target: string | null;
  ok: boolean;
  message: string;
}

/** Connects to the broker and closes again. */
export async function probeAmqp(url: string | undefined): Promise<Probe> {
  if (!url) return { adapter: 'sqlite', target: null, ok: true, message: 'embedded queue (hub database)' };
  const target = maskUrl(url);
  try {
    const amqp = (await import('amqplib')).default;
    const conn = await withTimeout(amqp.connect(url, { timeout: 4000 }), 5000, 'the broker');
    await conn.close().catch(() => undefined);
    return { adapter: 'amqp', target, ok: true, message: 'connected' };
  } catch (err) {
    return { adapter: 'amqp', target, ok: false, message: maskUrl((err as Error).message) };
  }
}

/** Lists the sources bucket (one key is enough): proves endpoint, credentials and bucket. */
export async function probeObjectStore(config: Config): Promise<Probe> {
  if (!config.s3Endpoint) {
    return { adapter: 'filesystem', target: `${config.home}/objects`, ok: true, message: 'local files' };
  }
  const target = config.s3Endpoint;
  try {
    const store = createObjectStore(config);
    await withTimeout(
      (async () => {
        for await (const _ of store.list(SOURCES_BUCKET, '')) break;
      })(),
      5000,
      'the object store',
    );
    return {
      adapter: 's3',
      target,
      ok: true,
      message: `listed bucket ${config.s3BucketPrefix ?? ''}${SOURCES_BUCKET}`,
    };
  } catch (err) {
    const e = err as Error & { code?: string };
    const message = e.code === 'NoSuchBucket' ? `reachable, but ${e.message}` : e.message || String(e.code);
    return { adapter: 's3', target, ok: false, message };
  }
}

/**
 * Runtime settings (hub admin only): the remote hub (AMQP broker, S3 store), the registries `pull`
 * and `run` resolve against, and the default sandbox policy. Each change is validated against the
 * one config schema (or the sandbox policy schema), written atomically, and refused with a coded
 * error that leaves the files exactly as they were. Secrets are never sent back.
 */
export function settingsRoutes(app: FastifyInstance, deps: SettingsDeps): void {
  const { config, authorizer } = deps;
  const hidden = { schema: { hide: true } };
  const configFile = configFileOf(config.home);
  const policyFile = defaultPolicyFileOf(config.home);
  const running: Remote = remoteOf(config as unknown as Record<string, unknown>);

  const readPolicyInput = (): Record<string, unknown> | null => {
    if (!existsSync(policyFile)) return null;
    try {
      return JSON.parse(readFileSync(policyFile, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new HubError(
        'HUB_ERR_CONFIG_INVALID',
        `${policyFile} is not valid JSON: ${(err as Error).message}`,
      );
    }
  };

  const view = async () => {
    const file = readConfigFile(configFile);
    const saved = remoteOf(file);
    const client = (file.client ?? {}) as Partial<Config['client']>;
    const sbx = await import('@mcphub/sandbox');
    const input = readPolicyInput();
    return {
      configFile,
      policyFile,
      remote: presentRemote(saved),
      running: presentRemote(running),
      restartRequired: !sameRemote(saved, running),
      envOverrides: envOverrides([
        ...REMOTE_KEYS.map((k) => [k]),
        ['client', 'registries'],
        ['client', 'jwks'],
        ['client', 'requireAttestation'],
      ]),
      registries: {
        registries: client.registries ?? [],
        jwks: client.jwks ?? null,
        requireAttestation: client.requireAttestation ?? true,
        inUse: config.client.registries.length > 0 ? config.client.registries : [deps.registryUrl],
      },
      policy: { saved: input !== null, input: input ?? {}, ...effectivePolicy(sbx.resolvePolicy, input) },
    };
  };

  /** Validates `next` as a whole config.json and writes it; throws (file untouched) when invalid. */
  const saveConfigFile = (next: Record<string, unknown>) => {
    const problems = configFileProblems(config.home, next);
    if (problems.length > 0) {
      throw new HubError('HUB_ERR_VALIDATION', `Refused, nothing saved: ${problems.join('; ')}`, problems);
    }
    writeJsonAtomic(configFile, next);
  };

  app.get('/api/v1/ui/settings', hidden, async (req) => {
    await authorizer.requireHubAdmin(req);
    return view();
  });

  app.put('/api/v1/ui/settings/remote', hidden, async (req) => {
    await authorizer.requireHubAdmin(req);
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new HubError('HUB_ERR_VALIDATION', 'Send a JSON object of remote settings');
    const unknown = Object.keys(body).filter((k) => !(REMOTE_KEYS as readonly string[]).includes(k));
    if (unknown.length) throw new HubError('HUB_ERR_VALIDATION', `Unknown setting(s): ${unknown.join(', ')}`);
    const file = readConfigFile(configFile);
    const next = patchRemote(remoteOf(file), body as Record<string, unknown>);
    const out: Record<string, unknown> = { ...file };
    for (const k of REMOTE_KEYS) delete out[k];
    saveConfigFile({ ...out, ...next });
    const v = await view();
    return {
      ...v,
      message: v.restartRequired
        ? 'Saved. The queue and object store are opened at start-up: restart the daemon to use the new remote hub.'
        : 'Saved; the daemon already runs with these settings.',
    };
  });

  app.put('/api/v1/ui/settings/registries', hidden, async (req) => {
    await authorizer.requireHubAdmin(req);
    const body = (req.body ?? {}) as { registries?: unknown; jwks?: unknown; requireAttestation?: unknown };
    if (!Array.isArray(body.registries) || body.registries.some((r) => typeof r !== 'string'))
      throw new HubError('HUB_ERR_VALIDATION', 'registries must be a list of URLs');
    const registries = (body.registries as string[]).map((r) => r.trim()).filter(Boolean);
    for (const r of registries) {
      let u: URL | null = null;
      try {
        u = new URL(r);
      } catch {
        // reported below
      }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
        throw new HubError(
          'HUB_ERR_VALIDATION',
          `Refused, nothing saved: ${JSON.stringify(r)} is not an http(s) URL`,
        );
    }
    if (body.requireAttestation !== undefined && typeof body.requireAttestation !== 'boolean')
      throw new HubError('HUB_ERR_VALIDATION', 'requireAttestation must be true or false');
    if (body.jwks !== undefined && body.jwks !== null && typeof body.jwks !== 'string')
      throw new HubError('HUB_ERR_VALIDATION', 'jwks must be a URL, a file path or null');
    const file = readConfigFile(configFile);
    const client: Record<string, unknown> = {
      ...((file.client ?? {}) as Record<string, unknown>),
      registries,
    };
    if (body.requireAttestation !== undefined) client.requireAttestation = body.requireAttestation;
    if (body.jwks === null || body.jwks === '') delete client.jwks;
    else if (typeof body.jwks === 'string') client.jwks = body.jwks.trim();
    saveConfigFile({ ...file, client });
    // Applied live: `pull`/`run` read config.json each time; the daemon's copy follows here.
    config.client.registries = registries;
    if (typeof client.requireAttestation === 'boolean')
      config.client.requireAttestation = client.requireAttestation;
    if (typeof client.jwks === 'string') config.client.jwks = client.jwks;
    else delete config.client.jwks;
    return { ...(await view()), message: 'Saved; used by the next pull or run (no restart needed).' };
  });

  app.put('/api/v1/ui/settings/policy', hidden, async (req) => {
    await authorizer.requireHubAdmin(req);
    const policy = (req.body as { policy?: unknown } | null)?.policy;
    if (policy === null) {
      // Back to the built-in default policy.
      if (existsSync(policyFile)) {
        const { rmSync } = await import('node:fs');
        rmSync(policyFile);
      }
      return { ...(await view()), message: 'Removed; runs use the built-in default policy.' };
    }
    if (!policy || typeof policy !== 'object' || Array.isArray(policy))
      throw new HubError(
        'HUB_ERR_VALIDATION',
        'policy must be a JSON object (or null for the built-in default)',
      );
    const sbx = await import('@mcphub/sandbox');
    try {
      sbx.resolvePolicy(policy as never);
    } catch (err) {
      throw new HubError(
        'HUB_ERR_VALIDATION',
        `Refused, nothing saved: ${(err as { code?: string }).code ?? 'invalid'}: ${(err as Error).message}`,
      );
    }
    writeJsonAtomic(policyFile, policy);
    return {
      ...(await view()),
      message: 'Saved; `mcphub run` without --policy uses it from the next run (no restart needed).',
    };
  });

  // Tries the given (unsaved) remote settings, falling back to the saved ones for absent keys.
  app.post('/api/v1/ui/settings/remote/test', hidden, async (req) => {
    await authorizer.requireHubAdmin(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const candidate = patchRemote(remoteOf(readConfigFile(configFile)), body);
    const cfg = { ...config, ...Object.fromEntries(REMOTE_KEYS.map((k) => [k, candidate[k]])) } as Config;
    for (const k of REMOTE_KEYS) if (cfg[k] === undefined) delete cfg[k];
    const [amqp, s3] = await Promise.all([probeAmqp(cfg.amqpUrl), probeObjectStore(cfg)]);
    return { amqp, s3 };
  });

  // Remote sync status for the Overview: which adapters the daemon runs with and whether they answer.
  let cached: { at: number; value: unknown } | null = null;
  app.get('/api/v1/ui/sync-status', hidden, async (req) => {
    await authorizer.authorize(req, 'read');
    const fresh = (req.query as { fresh?: string }).fresh === '1';
    if (fresh || !cached || Date.now() - cached.at > 10_000) {
      const [queue, store] = await Promise.all([probeAmqp(config.amqpUrl), probeObjectStore(config)]);
      let registry: Probe = { adapter: 'registry', target: deps.registryUrl, ok: false, message: '' };
      try {
        // Any answer but a server error means it is up (a 401 is a registry that wants a token).
        const res = await fetch(`${deps.registryUrl}/v1/packages?limit=1`, {
          signal: AbortSignal.timeout(4000),
        });
        registry = {
          ...registry,
          ok: res.status < 500,
          message: res.status < 500 ? 'answering' : `HTTP ${res.status}`,
        };
      } catch (err) {
        registry = { ...registry, message: (err as Error).message };
      }
      cached = {
        at: Date.now(),
        value: {
          mode: config.amqpUrl || config.s3Endpoint ? 'remote' : 'local',
          queue,
          store,
          registry,
          checkedAt: new Date().toISOString(),
        },
      };
    }
    return cached.value;
  });
}
