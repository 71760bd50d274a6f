import { type Static, Type } from '@sinclair/typebox';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Host = Type.String({ minLength: 1, maxLength: 253 });

export const ROLES = ['hub', 'registry', 'worker', 'scanner'] as const;
export const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));

/**
 * The one configuration schema. Layering (lowest first): these defaults, then
 * `$MCPHUB_HOME/config.json`, then `MCPHUB_*` environment variables, then command-line flags.
 * Each leaf `a.bC` is settable as env `MCPHUB_A_B_C` and flag `--a-b-c`.
 */
export const ConfigSchema = Type.Object(
  {
    home: Type.String({ minLength: 1, description: 'Data directory (MCPHUB_HOME)' }),
    roles: Type.Array(Role, { minItems: 1, uniqueItems: true, default: [...ROLES] }),
    hub: Type.Object(
      {
        host: Host,
        port: Port,
        publicUrl: Type.Optional(Type.String({ format: 'uri', description: 'URL other parties use' })),
        webhookSecret: Type.Optional(
          Type.String({ minLength: 16, description: 'HMAC secret of POST /api/v1/webhooks/git' }),
        ),
        maxSourceBytes: Type.Integer({
          minimum: 1024,
          description: 'Largest source a submission may have (packed)',
        }),
      },
      { additionalProperties: false },
    ),
    registry: Type.Object(
      {
        host: Host,
        port: Port,
        url: Type.Optional(
          Type.String({ description: 'Registry URL the hub publishes to and clients read from' }),
        ),
        reads: Type.Union([Type.Literal('open'), Type.Literal('loopback'), Type.Literal('token')]),
        maxManifestBytes: Type.Integer({ minimum: 1024 }),
        maxBundleBytes: Type.Integer({ minimum: 1024 }),
        tokenMaxTtlSeconds: Type.Integer({ minimum: 60 }),
      },
      { additionalProperties: false },
    ),
    scanner: Type.Object(
      {
        threads: Type.Integer({ minimum: 0, maximum: 64, description: 'Scan threads (0 = cores - 1)' }),
        timeoutMs: Type.Integer({ minimum: 1000, description: 'Wall-time budget of one scan' }),
        maxMemoryMb: Type.Integer({ minimum: 64, description: 'Heap budget of one scan thread' }),
      },
      { additionalProperties: false },
    ),
    client: Type.Object(
      {
        registries: Type.Array(Type.String({ minLength: 1 }), {
          description: 'Registries `pull` resolves against, in order (empty: the local registry)',
        }),
        jwks: Type.Optional(
          Type.String({ description: "Trusted hub JWKS (URL or file; default: the local hub's)" }),
        ),
        requireAttestation: Type.Boolean({ description: 'Refuse packages without a verified attestation' }),
      },
      { additionalProperties: false },
    ),
    queue: Type.Object(
      {
        visibilityTimeoutMs: Type.Integer({
          minimum: 500,
          description:
            'How soon a message held by a dead consumer is delivered again (live consumers extend it)',
        }),
        maxAttempts: Type.Integer({
          minimum: 1,
          maximum: 100,
          description: 'Deliveries before a message is dead-lettered',
        }),
        prefix: Type.Optional(
          Type.String({
            pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
            maxLength: 100,
            description:
              'Prefix of every queue and exchange name on the broker (several hubs, or test runs, on one broker)',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    sync: Type.Object(
      {
        retryMinMs: Type.Integer({
          minimum: 10,
          description: 'First retry delay of the outbox (waiting work for an unreachable remote)',
        }),
        retryMaxMs: Type.Integer({ minimum: 100, description: 'Longest retry delay of the outbox' }),
        dispatchTimeoutMs: Type.Integer({
          minimum: 100,
          description:
            'How long one attempt to reach the broker may take before the work waits in the outbox',
        }),
        upstreamUrl: Type.Optional(
          Type.String({
            pattern: '^https?://',
            description: 'Upstream registry every local publish is forwarded to (outbox when down)',
          }),
        ),
        upstreamToken: Type.Optional(
          Type.String({ minLength: 1, description: 'registry:publish token of the upstream; secret' }),
        ),
      },
      { additionalProperties: false },
    ),
    metricsPort: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 65535,
        description: 'Port of a loopback-only Prometheus /metrics listener (`mcphub worker`)',
      }),
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
        ),
      },
      { additionalProperties: false },
    ),
    shutdownGraceMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
    amqpUrl: Type.Optional(
      Type.String({
        pattern: '^amqps?://',
        description: 'Remote broker (LavinMQ/RabbitMQ) for ANALYZE jobs; default the embedded queue',
      }),
    ),
    databaseUrl: Type.Optional(
      Type.String({
        pattern: '^postgres(ql)?://',
        description:
          'PostgreSQL (postgres://user:pass@host/db[?schema=name]) shared by hub replicas; default db.sqlite; the password is never printed',
      }),
    ),
    s3Endpoint: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'Remote object store (MinIO/S3); default files under objects/',
      }),
    ),
    s3AccessKey: Type.Optional(Type.String({ minLength: 1 })),
    s3SecretKey: Type.Optional(Type.String({ minLength: 1, description: 'Secret; never logged or printed' })),
    s3Region: Type.Optional(Type.String({ minLength: 1 })),
    s3BucketPrefix: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9.-]*$',
        description: 'Prefix of the sources/results/artifacts buckets',
      }),
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type RoleName = (typeof ROLES)[number];

export function defaultConfig(home: string): Config {
  return {
    home,
    roles: [...ROLES],
    hub: { host: '127.0.0.1', port: 8080, maxSourceBytes: 64 * 1024 * 1024 },
    registry: {
      host: '127.0.0.1',
      port: 8081,
      reads: 'loopback',
      maxManifestBytes: 64 * 1024,
      maxBundleBytes: 256 * 1024 * 1024,
      tokenMaxTtlSeconds: 7 * 24 * 3600,
    },
    scanner: { threads: 0, timeoutMs: 5 * 60_000, maxMemoryMb: 1024 },
    client: { registries: [], requireAttestation: true },
    queue: { visibilityTimeoutMs: 30_000, maxAttempts: 5 },
    sync: { retryMinMs: 500, retryMaxMs: 30_000, dispatchTimeoutMs: 5_000 },
    log: { level: 'info' },
    shutdownGraceMs: 10_000,
  };
}
