import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql ships both ESM and CJS builds; Node loads the CJS one for our dependencies,
    // and two copies of graphql in one process refuse each other's types. Use that one everywhere.
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    include: ['server/test/**/*.test.ts', 'client/test/**/*.test.ts'],
    // Each test file opens its own SQLite file; separate processes keep them apart.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
