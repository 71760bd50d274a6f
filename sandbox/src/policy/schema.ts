import { type Static, Type } from '@sinclair/typebox';

/**
 * The policy file schema. One schema gives the TypeScript type, the validator and the README table.
 * Every list documents what "empty" means, because an empty list that silently means "everything" is
 * the classic way a policy stops applying.
 */

export const ISOLATION_FEATURES = [
  'user-namespace',
  'pid-namespace',
  'net-namespace',
  'ipc-namespace',
  'uts-namespace',
  'mount-namespace',
  'seccomp',
  'cgroup-memory',
  'cgroup-cpu',
  'cgroup-pids',
  'rlimits',
  'no-new-privileges',
  'cap-drop',
] as const;
export type IsolationFeature = (typeof ISOLATION_FEATURES)[number];

const HostPort = Type.String({
  minLength: 3,
  maxLength: 260,
  description: '`host:port` (or `[v6]:port`); `*.example.com:443` matches subdomains, not the apex',
});

export const MountSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'absolute host path (`~` expands to the home dir)' }),
    sandbox: Type.String({ minLength: 1, description: 'absolute path inside the sandbox' }),
    writable: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export const LimitsSchema = Type.Object(
  {
    memoryMb: Type.Optional(Type.Integer({ minimum: 16, maximum: 1_048_576 })),
    cpuShare: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 256 })),
    pids: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    openFiles: Type.Optional(Type.Integer({ minimum: 16, maximum: 1_048_576 })),
    wallTimeSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
  },
  { additionalProperties: false },
);

export const PolicySchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('strict'), Type.Literal('warn')], { default: 'strict' }),
    minLevel: Type.Integer({ minimum: 0, maximum: 3, default: 0 }),
    origins: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    requireAttestation: Type.Boolean({ default: false }),
    network: Type.Object(
      {
        mode: Type.Union([Type.Literal('none'), Type.Literal('allowlist'), Type.Literal('host')], {
          default: 'none',
        }),
        allow: Type.Array(HostPort, { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    filesystem: Type.Object(
      { mounts: Type.Array(MountSchema, { default: [] }) },
      { additionalProperties: false, default: {} },
    ),
    env: Type.Object(
      {
        allow: Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), { default: [] }),
        set: Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), {
          default: {},
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    limits: Type.Object(LimitsSchema.properties, { additionalProperties: false, default: {} }),
    isolation: Type.Object(
      {
        require: Type.Array(Type.Union(ISOLATION_FEATURES.map((f) => Type.Literal(f))), { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type Policy = Static<typeof PolicySchema>;
export type Mount = Static<typeof MountSchema>;
export type Limits = Static<typeof LimitsSchema>;
export type NetworkMode = Policy['network']['mode'];

/** What a run gets when nothing is configured: no network, no mounts, no env, conservative limits. */
export const DEFAULT_LIMITS: Required<Limits> = {
  memoryMb: 512,
  cpuShare: 1,
  pids: 256,
  openFiles: 1024,
  wallTimeSec: 86_400,
};
