import { defineConfig } from 'vitest/config';

// Two tiers; `npm test` runs both.
// - unit (`npm run test:unit`): test/unit/, pure tests: no sockets, no processes, no browser (test/unit/no-io.ts
//   makes them throw). One module graph per worker thread (isolate: false) keeps the tier to a few seconds,
//   so a test there leaves no global state behind.
// - integration: the rest of test/ (real sockets, the spawned CLI, Chromium, test/stress/, the API-docs check
//   that compiles src/), after one build of dist/ for the tests that spawn the CLI.
// - exhaust: test/stress/descriptors.test.ts alone, after the others. Its 2,100 stalled loopback downloads fill
//   both ends' socket buffers until the kernel's TCP memory passes tcp_mem's hard limit (seen in /proc/net/sockstat),
//   which stalls the sockets of every other test running beside it: file responses cut short, a reader that never
//   gets its next chunk.
/** Tests that exhaust a machine-wide resource: run alone, after every other test. */
const EXHAUSTING = ['test/stress/descriptors.test.ts'];

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
          exclude: ['test/unit/**', '**/node_modules/**', ...EXHAUSTING],
          pool: 'forks',
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'exhaust',
          include: EXHAUSTING,
          pool: 'forks',
          globalSetup: ['test/global-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
