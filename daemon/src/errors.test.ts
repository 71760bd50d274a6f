import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HUB_ERRORS } from './errors.js';

describe('hub error catalog', () => {
  // Table cells may be padded (formatters align markdown tables).
  it('documents every code with its status in daemon/README.md', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [code, { statusCode }] of Object.entries(HUB_ERRORS)) {
      expect(readme, code).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${statusCode}\\s*\\|`));
    }
  });
});
