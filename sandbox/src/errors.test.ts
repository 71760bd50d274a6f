import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SANDBOX_ERRORS, SandboxError } from './errors.js';
import { ISOLATION_FEATURES } from './policy/schema.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('error catalog and README', () => {
  it('every SBX_ERR code is documented in the README', () => {
    for (const code of Object.keys(SANDBOX_ERRORS)) expect(readme, code).toContain(`\`${code}\``);
  });
  it('every isolation feature is documented in the README', () => {
    for (const f of ISOLATION_FEATURES) expect(readme, f).toContain(`\`${f}\``);
  });
  it('errors carry their code and a message that starts with the catalog text', () => {
    const e = new SandboxError('SBX_ERR_BWRAP_MISSING', 'apt-get install -y bubblewrap');
    expect(e.code).toBe('SBX_ERR_BWRAP_MISSING');
    expect(e.message).toBe(`${SANDBOX_ERRORS.SBX_ERR_BWRAP_MISSING}: apt-get install -y bubblewrap`);
  });
});
