import { availableParallelism, totalmem } from 'node:os';
import { defineConfig } from 'vitest/config';
import { explainedForks } from './server/test/support/explained-forks-pool.js';

// The suites mostly wait (on servers, sockets, renderers, PostgreSQL), so they run two forks per
// core, where vitest's default is one fewer fork than cores: on a 2-core machine that was one fork,
// every file in turn. Each fork is a server of its own with its renderer processes, or a Chromium
// (four forks beside a CPU hog used at most 3.2 GiB of the machine, everything on it included);
// a machine with little memory runs fewer, one per 1.5 GiB.
// VITEST_MAX_WORKERS (or --maxWorkers) sets the number outright.
const GiB = 1024 ** 3;
const FORKS = Math.max(1, Math.min(8, 2 * availableParallelism(), Math.floor(totalmem() / (1.5 * GiB))));

// The API suites run twice: on SQLite with in-process events (the embedded default), and on
// PostgreSQL with events through the shared Redis (the scale-out setup).
const API_SUITES = [
  'server/test/abuse.test.ts',
  'server/test/accounts.test.ts',
  'server/test/api-tokens.test.ts',
  'server/test/management-tokens.test.ts',
  'server/test/mail.test.ts',
  'server/test/token-disable.test.ts',
  'server/test/token-info.test.ts',
  'server/test/rate-limit-headers.test.ts',
  'server/test/request-log.test.ts',
  'server/test/request-log-flood.test.ts',
  'server/test/test-mode.test.ts',
  'server/test/token-expiry-change.test.ts',
  'server/test/activity-export.test.ts',
  'server/test/quota-forecast.test.ts',
  'server/test/grace-period.test.ts',
  'server/test/sdk-management.test.ts',
  'server/test/sdk-rate-limit.test.ts',
  'server/test/token-lifecycle.test.ts',
  'server/test/token-restrictions.test.ts',
  'server/test/sdk-token-errors.test.ts',
  'server/test/documents.test.ts',
  'server/test/render-isolation.test.ts',
  'server/test/isolation.test.ts',
  'server/test/subscriptions.test.ts',
  'server/test/secrets-in-logs.test.ts',
  'server/test/observability.test.ts',
  'server/test/subscription-revocation.test.ts',
  'server/test/cross-site.test.ts',
  'server/test/transport-limits.test.ts',
  'server/test/rate-limit-races.test.ts',
  'server/test/trust-proxy.test.ts',
  'server/test/sign-up-limit.test.ts',
  'server/test/row-models.test.ts',
  'server/test/session-store.test.ts',
  'server/test/sessions.test.ts',
  'server/test/two-factor.test.ts',
  'server/test/teams.test.ts',
  'server/test/idempotency.test.ts',
  'server/test/idempotent-retries.test.ts',
  'server/test/secret-scanning.test.ts',
  'server/test/audit-log.test.ts',
  'server/test/webhooks.test.ts',
  'server/test/webhook-fairness.test.ts',
  'server/test/webhook-outbox.test.ts',
  'server/test/metering.test.ts',
  'server/test/busy-token.test.ts',
  'server/test/usage-live.test.ts',
  'server/test/sdk-quota-errors.test.ts',
  'server/test/token-pages.test.ts',
  'server/test/audit-live.test.ts',
  'server/test/audit-slow-reader.test.ts',
  'server/test/count-slow-reader.test.ts',
  'server/test/quota-before-render.test.ts',
  'server/test/sql-driver.test.ts',
];

export default defineConfig({
  resolve: {
    // graphql ships both ESM and CJS builds; Node loads the CJS one for our dependencies,
    // and two copies of graphql in one process refuse each other's types. Use that one everywhere.
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    // Each test file opens its own database; separate processes keep them apart. Forks as vitest
    // makes them, whose death mid-file is reported with the file, the signal and the memory left.
    pool: explainedForks,
    maxWorkers: FORKS,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for what a test expects to become true, 1 s by default: a delivery recorded
    // and shown in a page, a count pushed, took longer than that beside a CPU hog (a fresh-clone run
    // polled a webhook's status in the page while its attempt was still being written). Only a
    // failing poll waits this long.
    expect: { poll: { timeout: 15_000 } },
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['server/test/*.test.ts', 'sdk/test/*.test.ts'] } },
      { extends: true, test: { name: 'postgresql', include: API_SUITES, env: { TEST_DATABASE: 'postgresql', TEST_REDIS_URL: 'redis://127.0.0.1:6379' } } },
      // after the other projects, with the machine to itself: its chaos suite kills an instance under
      // 2,000 dashboards, and beside the other projects' forks and a CPU hog the survivor was starved
      // for over a minute (its dashboards took 53-77 s to move, and documents went unanswered for 30 s)
      { extends: true, test: { name: 'multi-instance', include: ['server/test/multi-instance/*.test.ts'], exclude: ['server/test/multi-instance/chaos.test.ts'], sequence: { groupOrder: 1 } } },
      // and the chaos suite last, alone: in a fresh-clone run beside three other two-instance files
      // and a CPU hog, the survivor of its kill -9 once left 18 documents unanswered for 30 s (with
      // the hog alone, it and the whole multi-instance project passed)
      { extends: true, test: { name: 'chaos', include: ['server/test/multi-instance/chaos.test.ts'], sequence: { groupOrder: 2 } } },
      { extends: true, test: { name: 'faults', include: ['server/test/faults/*.test.ts'] } },
      // a Chromium and a server per file, beside the other projects' forks: on a busy 2-core machine
      // a page's waits take several times what they take alone (usage.e2e: 4 s alone, 28 s in the full run)
      { extends: true, test: { name: 'browser', include: ['client/test/*.test.ts'], testTimeout: 90_000 } },
    ],
  },
});
