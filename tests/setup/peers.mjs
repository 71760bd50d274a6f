// The system tools the test suite needs, with how to check, install and start each.
// `ensure-peers.mjs` reads this list before any test runs.
export const PEERS = [
  {
    name: 'git',
    why: 'ingest of git sources',
    check: ['git', ['--version']],
    apt: 'git',
  },
  {
    name: 'bubblewrap',
    why: 'the Linux sandbox (mcphub run)',
    check: ['bwrap', ['--version']],
    apt: 'bubblewrap',
    platform: 'linux',
  },
  {
    name: 'prlimit',
    why: 'rlimits for sandboxed servers',
    check: ['prlimit', ['--version']],
    apt: 'util-linux',
    platform: 'linux',
  },
  {
    name: 'chromium',
    why: 'the web UI tests (playwright-core drives /usr/bin/chromium headless)',
    check: ['/usr/bin/chromium', ['--version']],
    apt: 'chromium',
  },
  {
    name: 'rabbitmq',
    why: 'the AMQP job queue adapter and its fault tests',
    check: ['sh', ['-c', 'command -v rabbitmq-server']],
    apt: 'rabbitmq-server',
    port: 5672,
    start: ['rabbitmq-server', ['-detached']],
    startTimeoutSec: 90,
  },
  {
    name: 'postgresql',
    why: 'the PostgreSQL Database adapter, its contract suite and the hub-replica tests',
    check: ['sh', ['-c', 'ls /usr/lib/postgresql/*/bin/postgres']],
    apt: 'postgresql',
    port: 5432,
    // The Debian cluster (whatever major version apt installed); pg_ctlcluster needs root.
    start: [
      'sh',
      [
        '-c',
        'for v in $(ls /usr/lib/postgresql); do pg_ctlcluster --skip-systemctl-redirect $v main start; done',
      ],
    ],
    startTimeoutSec: 60,
  },
];
