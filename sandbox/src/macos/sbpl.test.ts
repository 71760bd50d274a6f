import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../testing/golden.js';
import { buildSbplProfile, type MacosSandboxPlan, sbplString } from './sbpl.js';

const here = dirname(fileURLToPath(import.meta.url));

const base: MacosSandboxPlan = {
  runtimeReadPaths: ['/opt/homebrew/Cellar/node/20.19.0'],
  exec: ['/opt/homebrew/Cellar/node/20.19.0/bin/node', '/bin/sh'],
  packageDir: '/Users/alice/.mcphub/cache/sha256-ab12/pkg',
  tmpDir: '/private/var/folders/xy/T/mcphub-run-abc',
  mounts: [{ host: '/Users/alice/projects/site', sandbox: '/Users/alice/projects/site', writable: true }],
  deny: ['/Users/alice/.ssh', '/Users/alice/.aws', '/Users/alice/projects/site/.git/hooks'],
  network: { mode: 'none' },
};

describe('buildSbplProfile', () => {
  it('network none: default deny, no network rule at all', () => {
    const p = buildSbplProfile(base);
    expectGolden(here, 'sbpl-network-none.sb', p);
    expect(p.startsWith('(version 1)\n(deny default)\n')).toBe(true);
    expect(p).not.toContain('network-outbound');
  });

  it('allowlist: outbound only to the proxy port on loopback', () => {
    const p = buildSbplProfile({ ...base, network: { mode: 'allowlist', proxyPort: 41234 } });
    expectGolden(here, 'sbpl-network-allowlist.sb', p);
    expect(p).toContain('(allow network-outbound (remote ip "localhost:41234"))');
  });

  it('deny rules come after every allow (last match wins in SBPL)', () => {
    const p = buildSbplProfile(base);
    expect(p.lastIndexOf('(deny file-read* file-write*')).toBeGreaterThan(
      p.lastIndexOf('(allow file-write*'),
    );
  });

  it('escapes quotes and backslashes in paths', () => {
    expect(sbplString('/a"b\\c')).toBe('"/a\\"b\\\\c"');
  });
});
