import { defineConfig } from 'vitest/config';

// Two tiers; `npm test` runs both.
// - unit (`npm run test:unit`): test/unit/, pure tests: no sockets, no processes, no browser (test/unit/no-io.ts
//   makes them throw). One module graph per worker thread (isolate: false) keeps the tier to a few seconds,
//   so a test there leaves no global state behind.
// - integration: the rest of test/ (real sockets, the spawned CLI, Chromium, test/stress/, the API-docs check
//   that compiles src/), after one build of dist/ for the tests that spawn the CLI.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/unit/no-io.ts'],
          pool: 'threads',
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**', '**/node_modules/**'],
          pool: 'forks',
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
