import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/schema.js';
import { runCommand } from './run-command.js';

describe('mcphub run without --policy', () => {
  it('loads the default policy saved in MCPHUB_HOME/policy.json (Settings)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mcphub-run-policy-'));
    const file = join(home, 'policy.json');
    // An invalid saved policy must stop the run before anything is pulled: proof the file is read.
    writeFileSync(file, JSON.stringify({ minLevel: 9 }));
    await expect(runCommand(defaultConfig(home), 'local/nothing@1.0.0', {}, [])).rejects.toMatchObject({
      code: 'SBX_ERR_POLICY_INVALID',
      message: expect.stringContaining('minLevel'),
    });
  });

  it('an explicit --policy wins over the saved default', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mcphub-run-policy-'));
    writeFileSync(join(home, 'policy.json'), JSON.stringify({ minLevel: 9 }));
    const explicit = join(home, 'explicit.json');
    writeFileSync(explicit, JSON.stringify({ minLevel: 0 }));
    // The explicit policy is valid, so the run gets as far as pulling (from a registry that is not there).
    const err = (await runCommand(
      { ...defaultConfig(home), client: { registries: ['http://127.0.0.1:9'], requireAttestation: true } },
      'local/nothing@1.0.0',
      { policy: explicit },
      [],
    ).catch((e: unknown) => e)) as { code?: string };
    expect(err.code).not.toBe('SBX_ERR_POLICY_INVALID');
  });
});
