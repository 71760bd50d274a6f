import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { REGISTRY_ERRORS } from './errors.js';

describe('error catalog', () => {
  it('documents every code, with its HTTP status, in registry/README.md', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const missing = Object.entries(REGISTRY_ERRORS)
      .filter(
        ([code, { statusCode }]) =>
          !new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${statusCode}\\s*\\|`).test(readme),
      )
      .map(([code]) => code);
    expect(missing).toEqual([]);
  });

  it('documents no code that does not exist', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/`(REG_ERR_[A-Z_]+)`/g)].map((m) => m[1]);
    expect(documented.filter((code) => !(code! in REGISTRY_ERRORS))).toEqual([]);
  });
});
