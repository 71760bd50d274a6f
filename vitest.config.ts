import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./${pkg}/src/index.ts`, import.meta.url));

// Tests import workspace packages by name; point those names at the TypeScript sources so a
// test run never depends on a stale dist/. (The built CLI is still used by tests that spawn it.)
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@mcphub\/registry\/client$/,
        replacement: fileURLToPath(new URL('./registry/src/consumer.ts', import.meta.url)),
      },
      { find: /^@mcphub\/registry$/, replacement: src('registry') },
      { find: /^@mcphub\/scanner$/, replacement: src('scanner') },
      { find: /^@mcphub\/sandbox$/, replacement: src('sandbox') },
      { find: /^@mcphub\/daemon$/, replacement: src('daemon') },
    ],
  },
  test: {
    include: ['{registry,scanner,sandbox,daemon,desktop}/src/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/fixtures/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
