import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

/**
 * Byte-for-byte comparison with a checked-in golden file. `UPDATE_GOLDEN=1 npx vitest run sandbox`
 * rewrites them; review the diff like code.
 */
export function expectGolden(dir: string, name: string, actual: string | Buffer): void {
  const file = join(dir, '__golden__', name);
  const bytes = typeof actual === 'string' ? Buffer.from(actual) : actual;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) throw new Error(`missing golden file ${file}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    return;
  }
  const expected = readFileSync(file);
  if (!expected.equals(bytes)) {
    // Show a readable diff for text, then fail on bytes.
    expect(bytes.toString('utf8'), `golden ${name} differs (UPDATE_GOLDEN=1 to accept)`).toBe(
      expected.toString('utf8'),
    );
    expect(bytes.equals(expected), `golden ${name} differs byte-wise`).toBe(true);
  }
}
