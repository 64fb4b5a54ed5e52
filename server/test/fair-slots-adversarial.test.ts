// An outside review of the render batches (fair-slots.ts): random sequences of renders from many
// accounts, with batches that end every way a batch can (results, errors, renders without an
// outcome, holds of the share, a whole batch rejected), checked against what the scheduler
// promises: no account over its share, free accounts together never over their slice, no render
// lost, answered twice or answered with another's result, no byte of the queue left charged, and
// close() settling everything. Time is the test's: the scheduler's clock and its timers (holds,
// budget refills) move only when the sequence says so.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freeSliceOf, renderShareOf } from '../src/domain/plans.js';
import { FairSlots, WAITING_RENDER_COST, type FairSlotsOptions, type JobOutcome } from '../src/rendering/fair-slots.js';

interface Job {
  account: string;
  id: number;
}

interface Running {
  jobs: Job[];
  finish: (outcomes: Array<JobOutcome<string>>) => void;
  fail: (error: Error) => void;
  holdShareFor: (ms: number) => void;
}

/** A small seeded generator (mulberry32), so that a failing sequence can be run again. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

interface Internals {
  running: number;
  waitingBytes: number;
  accounts: Map<string, { running: number; waiting: unknown[]; waitingBytes: number }>;
  holds: Set<unknown>;
}

/** Each account's plan: two free, one with no plan known (renders as free), two paying. */
const PLAN_OF: Record<string, string | null> = { 'account-0': 'free', 'account-1': 'free', 'account-2': null, 'account-3': 'pro', 'account-4': 'business' };

beforeEach(() => {
  // setImmediate (tick) stays real: only the scheduler's timers follow the test's clock
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function scenario(seed: number, options: FairSlotsOptions, steps: number) {
  const next = random(seed);
  const running: Running[] = [];
  let clock = 0;
  const advance = (ms: number) => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };
  const fair = new FairSlots<Job, string>({ ...options, now: () => clock }, (jobs, holdShareFor) =>
    new Promise((finish, fail) => running.push({ jobs, finish, fail, holdShareFor })),
  );
  const internals = fair as unknown as Internals;
  const settled = new Map<number, { value?: string; error?: string; times: number }>();
  const sizes = new Map<number, number>();
  let ids = 0;
  const accounts = Array.from({ length: 5 }, (_, i) => `account-${i}`);

  function submit() {
    const account = accounts[Math.floor(next() * accounts.length)]!;
    const id = ids++;
    const size = Math.floor(next() * 3000);
    sizes.set(id, size);
    fair.run(account, PLAN_OF[account]!, size, { account, id }).then(
      (value) => {
        const entry = settled.get(id);
        settled.set(id, { value, times: (entry?.times ?? 0) + 1 });
      },
      (error: Error) => {
        const entry = settled.get(id);
        settled.set(id, { error: error.message, times: (entry?.times ?? 0) + 1 });
      },
    );
  }

  function finishOne() {
    if (running.length === 0) return;
    const [batch] = running.splice(Math.floor(next() * running.length), 1);
    const roll = next();
    if (roll < 0.1) {
      batch!.fail(new Error(`batch of ${batch!.jobs[0]!.account} failed`));
      return;
    }
    if (roll < 0.2) batch!.holdShareFor(1 + Math.floor(next() * 1000));
    batch!.finish(
      batch!.jobs.map((job) => {
        const kind = next();
        if (kind < 0.5) return { ok: true, value: `${job.account}/${job.id}` };
        if (kind < 0.7) return { ok: false, error: new Error(`render ${job.id} failed`) };
        return undefined;
      }),
    );
  }

  /** What the scheduler promises at every moment. */
  function checkInvariants() {
    const inFlight = new Map<string, number>();
    const seen = new Set<number>();
    for (const batch of running) {
      const account = batch.jobs[0]!.account;
      // one account's renders only, each in one batch at a time
      for (const job of batch.jobs) {
        expect(job.account).toBe(account);
        expect(seen.has(job.id)).toBe(false);
        seen.add(job.id);
      }
      expect(batch.jobs.length).toBeLessThanOrEqual(options.maxBatch);
      inFlight.set(account, (inFlight.get(account) ?? 0) + 1);
    }
    expect(running.length).toBeLessThanOrEqual(options.total);
    for (const count of inFlight.values()) expect(count).toBeLessThanOrEqual(options.perAccount);
    const freeInFlight = [...inFlight].filter(([account]) => renderShareOf(PLAN_OF[account]!).free).reduce((sum, [, count]) => sum + count, 0);
    expect(freeInFlight).toBeLessThanOrEqual(freeSliceOf(options.total));
    expect(internals.running).toBe(running.length);
    let totalWaitingBytes = 0;
    for (const [, account] of internals.accounts) {
      // the queue charge is exactly what waits, never negative, never left over
      const waitingBytes = (account.waiting as Array<{ size: number }>).reduce((sum, waiter) => sum + waiter.size + WAITING_RENDER_COST, 0);
      expect(account.waitingBytes).toBe(waitingBytes);
      totalWaitingBytes += waitingBytes;
      // past the limit only by what came back from the account's running batches
      expect(account.waitingBytes).toBeLessThanOrEqual(options.queueBytesPerAccount + options.perAccount * (options.maxBatchBytes + options.maxBatch * WAITING_RENDER_COST));
      expect(account.running).toBeGreaterThanOrEqual(0);
      expect(account.running).toBeLessThanOrEqual(options.perAccount);
    }
    expect(internals.waitingBytes).toBe(totalWaitingBytes);
    expect(totalWaitingBytes).toBeLessThanOrEqual(options.queueBytesTotal + options.total * (options.maxBatchBytes + options.maxBatch * WAITING_RENDER_COST));
  }

  return {
    fair,
    internals,
    settled,
    running,
    sizes,
    count: () => ids,
    advance,
    async run() {
      for (let step = 0; step < steps; step++) {
        // batches run for a while: the free accounts' budgets of render time run out and refill
        advance(Math.floor(next() * 400));
        if (next() < 0.55) submit();
        else finishOne();
        await tick();
        checkInvariants();
      }
    },
    async drain() {
      // finish every batch with results until nothing runs or waits (holds run out on their own)
      for (let turn = 0; turn < 10_000 && (running.length > 0 || internals.holds.size > 0 || [...internals.accounts.values()].some((a) => a.waiting.length > 0)); turn++) {
        const batch = running.shift();
        if (batch) batch.finish(batch.jobs.map((job) => ({ ok: true, value: `${job.account}/${job.id}` })));
        else advance(1000);
        await tick();
        checkInvariants();
      }
    },
  };
}

const options: FairSlotsOptions = { total: 3, perAccount: 1, queueBytesPerAccount: 12_000, queueBytesTotal: 40_000, retryAfterSeconds: 1, maxBatch: 4, maxBatchBytes: 5000 };

describe('render batches under random sequences', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`seed ${seed}: every render is answered once, with its own result; the queue charge returns to zero and the accounts are forgotten`, async () => {
      const s = scenario(seed, { ...options, perAccount: 1 + (seed % 2) }, 400);
      await s.run();
      await s.drain();
      await tick();
      expect(s.running).toEqual([]);
      expect(s.internals.running).toBe(0);
      expect(s.internals.accounts.size).toBe(0);
      for (let id = 0; id < s.count(); id++) {
        const outcome = s.settled.get(id);
        expect(outcome, `render ${id} never answered`).toBeDefined();
        expect(outcome!.times).toBe(1);
        if (outcome!.value !== undefined) expect(outcome!.value).toMatch(new RegExp(`/${id}$`));
      }
      // and the accounts are not rate limited by a leftover charge: a render that fits goes through
      // (once a minute has refilled every budget)
      s.advance(60_000);
      for (let i = 0; i < 5; i++) {
        const result = s.fair.run(`account-${i}`, PLAN_OF[`account-${i}`]!, 100, { account: `account-${i}`, id: -1 });
        await tick();
        s.running.shift()!.finish([{ ok: true, value: 'fresh' }]);
        expect(await result).toBe('fresh');
      }
    });

    it(`seed ${seed}: close() in the middle settles every render, the running ones' too, and nothing is queued again`, async () => {
      const s = scenario(seed, options, 200);
      await s.run();
      s.fair.close();
      // the running batches end after the close, every way a batch can
      for (const [index, batch] of s.running.splice(0).entries()) {
        if (index % 3 === 0) batch.fail(new Error('thread terminated'));
        else batch.finish(batch.jobs.map((job, i) => (i === 0 ? { ok: true, value: `${job.account}/${job.id}` } : undefined)));
      }
      await tick();
      await tick();
      expect(s.running).toEqual([]);
      for (let id = 0; id < s.count(); id++) {
        const outcome = s.settled.get(id);
        expect(outcome, `render ${id} never answered`).toBeDefined();
        expect(outcome!.times).toBe(1);
      }
      expect(s.internals.holds.size).toBe(0);
      for (const account of s.internals.accounts.values()) {
        expect(account.waiting).toEqual([]);
        expect(account.waitingBytes).toBe(0);
      }
      await expect(s.fair.run('account-0', 'free', 1, { account: 'account-0', id: -1 })).rejects.toThrow('The render pool is closed.');
    });
  }
});
