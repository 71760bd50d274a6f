import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildSandboxEnv } from '../env.js';
import { resolvePolicy } from '../policy/load.js';
import { expectGolden } from '../testing/golden.js';
import { buildBwrapArgs } from './bwrap-args.js';
import type { LinuxSandboxPlan } from './plan.js';

const here = dirname(fileURLToPath(import.meta.url));

const runtime = {
  roBinds: ['/usr'],
  symlinks: [
    { path: '/lib', target: 'usr/lib' },
    { path: '/lib64', target: 'usr/lib64' },
    { path: '/bin', target: 'usr/bin' },
    { path: '/sbin', target: 'usr/sbin' },
  ],
  node: '/usr/bin/node',
};

function plan(over: Partial<LinuxSandboxPlan> = {}): LinuxSandboxPlan {
  const policy = resolvePolicy({
    env: { allow: ['LOG_LEVEL'], set: { MEMORY_FILE_PATH: '/tmp/memory.json' } },
  });
  return {
    command: '/usr/bin/node',
    args: ['dist/index.js'],
    packageDir: '/home/alice/.mcphub/cache/sha256-ab12/pkg',
    cwd: '/app',
    runtime,
    network: { mode: 'none' },
    mounts: { binds: [], masks: [], walkTruncated: false },
    env: buildSandboxEnv(
      policy,
      { LOG_LEVEL: 'debug', AWS_SECRET_ACCESS_KEY: 'nope' },
      { home: '/tmp/home', tmpdir: '/tmp' },
    ),
    seccompFd: 3,
    infoFd: 4,
    blockFd: 5,
    disableUserns: true,
    ...over,
  };
}

const asText = (argv: string[]) => `${argv.join('\n')}\n`;

describe('buildBwrapArgs', () => {
  it('network none: every namespace, no resolv.conf, read-only root, seccomp on fd 3', () => {
    const argv = buildBwrapArgs(plan());
    expectGolden(here, 'bwrap-network-none.txt', asText(argv));
    expect(argv).toContain('--unshare-all');
    expect(argv).not.toContain('--share-net');
    expect(argv.join(' ')).not.toContain('resolv.conf');
    expect(argv).not.toContain('AWS_SECRET_ACCESS_KEY');
  });

  it('allowlist: launcher and proxy socket bound read-only, still no host network', () => {
    const argv = buildBwrapArgs(
      plan({
        command: '/usr/bin/node',
        args: ['/run/mcphub/launcher.mjs', '--', '/usr/bin/node', 'dist/index.js'],
        network: {
          mode: 'allowlist',
          proxySocket: '/tmp/mcphub-run-X/proxy.sock',
          proxyPort: 3128,
          hostsFile: '/tmp/mcphub-run-X/hosts',
          nsswitchFile: '/tmp/mcphub-run-X/nsswitch.conf',
        },
        launcher: '/opt/mcphub/sandbox/assets/sandbox-launcher.mjs',
        mounts: {
          binds: [
            { host: '/home/alice/projects/site', sandbox: '/workspace', writable: true },
            { host: '/home/alice', sandbox: '/mnt/home', writable: false },
          ],
          masks: [
            { sandbox: '/workspace/.git/hooks', kind: 'dir', hides: '/home/alice/projects/site/.git/hooks' },
            { sandbox: '/workspace/.mcp.json', kind: 'file', hides: '/home/alice/projects/site/.mcp.json' },
            { sandbox: '/mnt/home/.ssh', kind: 'dir', hides: '/home/alice/.ssh' },
            { sandbox: '/mnt/home/.bashrc', kind: 'file', hides: '/home/alice/.bashrc' },
          ],
          walkTruncated: false,
        },
      }),
    );
    expectGolden(here, 'bwrap-network-allowlist.txt', asText(argv));
    expect(argv).not.toContain('--share-net');
    // masks come after the binds they cover, so no mount can re-open a denied path
    expect(argv.lastIndexOf('/mnt/home/.ssh')).toBeGreaterThan(argv.indexOf('/mnt/home'));
  });

  it('host network: shares the net namespace and binds name resolution files', () => {
    const argv = buildBwrapArgs(
      plan({ network: { mode: 'host' }, disableUserns: false, seccompFd: undefined }),
    );
    expectGolden(here, 'bwrap-network-host.txt', asText(argv));
    expect(argv).toContain('--share-net');
    expect(argv).toContain('/etc/resolv.conf');
  });
});
