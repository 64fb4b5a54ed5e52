// The render pool shared by plan (fair-slots.ts, domain/plans.ts): free accounts together hold at
// most half of it, a paying account does not wait behind free accounts' renders that run to the
// timeout, render time is charged against each plan's budget of seconds per minute, and the queue
// is bounded over all accounts. Time is the test's: the scheduler's clock and its timers move only
// when a test moves them, so no assertion depends on how fast the machine is.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimitedError } from '../src/domain/errors.js';
import { findPlan, freeSliceOf } from '../src/domain/plans.js';
import { FairSlots, WAITING_RENDER_COST, type FairSlotsOptions, type JobOutcome } from '../src/rendering/fair-slots.js';

interface Job {
  account: string;
  name: string;
}

interface Started {
  jobs: Job[];
  finish: (outcomes: Array<JobOutcome<string>>) => void;
  holdShareFor: (ms: number) => void;
}

type Outcome = { value?: string; error?: unknown };

const TIMEOUT_MS = 1000;

beforeEach(() => {
  // setImmediate (tick) stays real: only the scheduler's timers follow the test's clock
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function pool(options: Partial<FairSlotsOptions> = {}) {
  let clock = 0;
  const started: Started[] = [];
  const running = new Set<Started>();
  const fair = new FairSlots<Job, string>(
    { total: 2, perAccount: 1, queueBytesPerAccount: 1 << 20, queueBytesTotal: 1 << 30, retryAfterSeconds: 1, maxBatch: 4, maxBatchBytes: 1 << 20, now: () => clock, ...options },
    (jobs, holdShareFor) =>
      new Promise((resolve) => {
        const batch: Started = { jobs, holdShareFor, finish: (outcomes) => (running.delete(batch), resolve(outcomes)) };
        started.push(batch);
        running.add(batch);
      }),
  );
  const plans = new Map<string, string | null>();
  const results: Array<Promise<Outcome>> = [];
  return {
    fair,
    started,
    running,
    advance(ms: number) {
      clock += ms;
      vi.advanceTimersByTime(ms);
    },
    /** Starts a render of `account` on `plan`; its outcome is kept, so that no refusal goes unhandled. */
    render(account: string, plan: string | null, name: string, size = 1) {
      plans.set(account, plan);
      const result = fair.run(account, plan, size, { account, name }).then(
        (value): Outcome => ({ value }),
        (error: unknown): Outcome => ({ error }),
      );
      results.push(result);
      return result;
    },
    /** Accounts of the batches running now, one entry per batch. */
    runningAccounts: () => [...running].map((batch) => batch.jobs[0]!.account),
    freeRunning: () => [...running].filter((batch) => (plans.get(batch.jobs[0]!.account) ?? 'free') === 'free').length,
    /** Ends a batch the way the renderer does at the timeout: its render fails, its account sits out as long again. */
    timeOut(batch: Started) {
      batch.holdShareFor(TIMEOUT_MS);
      batch.finish(batch.jobs.map((_, index) => (index === 0 ? { ok: false, error: new Error('timed out') } : undefined)));
    },
    done(batch: Started) {
      batch.finish(batch.jobs.map((job) => ({ ok: true, value: `rendered ${job.name}` })));
    },
    close: async () => {
      fair.close();
      for (const batch of [...running]) batch.finish(batch.jobs.map(() => undefined));
      await Promise.all(results);
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const FREE_ATTACKERS = ['free-1', 'free-2', 'free-3', 'free-4'];

describe('free accounts together', () => {
  it('run on at most half the pool, however many of them keep renders that run to the timeout waiting', async () => {
    const p = pool({ total: 4, perAccount: 2 });
    for (const account of FREE_ATTACKERS) for (let i = 0; i < 3; i++) void p.render(account, 'free', `${account}/${i}`);
    await tick();
    expect(p.freeRunning()).toBe(freeSliceOf(4));
    expect(p.running.size).toBe(2);
    // every timeout frees a slot, and the next free account takes it: never more than the slice
    for (let round = 0; round < 12; round++) {
      p.advance(TIMEOUT_MS);
      p.timeOut([...p.running][0]!);
      await tick();
      expect(p.freeRunning()).toBeLessThanOrEqual(freeSliceOf(4));
    }
    await p.close();
  });

  it("leave a paying account's render a slot: it starts at once, beside four free accounts that each keep three renders waiting", async () => {
    const p = pool({ total: 4, perAccount: 2 });
    for (const account of FREE_ATTACKERS) for (let i = 0; i < 3; i++) void p.render(account, 'free', `${account}/${i}`);
    await tick();
    for (let i = 0; i < 5; i++) {
      const document = p.render('paying', 'pro', `invoice ${i}`);
      await tick();
      expect(p.runningAccounts()).toContain('paying');
      p.done(p.started.at(-1)!);
      expect(await document).toEqual({ value: `rendered invoice ${i}` });
      // meanwhile a free account's render runs to the timeout, and the next one starts
      p.advance(TIMEOUT_MS);
      p.timeOut([...p.running].find((batch) => batch.jobs[0]!.account.startsWith('free'))!);
      await tick();
    }
    await p.close();
  });

  it('do not go before a paying account that waits: the next slot that frees is its, though they waited longer', async () => {
    // three slots: one free account's render that runs to the timeout, two paying accounts' long renders
    const p = pool({ total: 3, perAccount: 1 });
    void p.render('free-1', 'free', 'endless');
    void p.render('paying-a', 'business', 'long a');
    void p.render('paying-b', 'business', 'long b');
    await tick();
    expect(p.runningAccounts()).toEqual(['free-1', 'paying-a', 'paying-b']);
    // free accounts queue first, then a paying one: the pool is full
    for (const account of FREE_ATTACKERS.slice(1)) void p.render(account, 'free', `${account} endless`);
    const document = p.render('paying-c', 'pro', 'invoice');
    await tick();
    expect(p.started).toHaveLength(3);
    p.advance(TIMEOUT_MS);
    p.timeOut(p.started[0]!);
    await tick();
    expect(p.started.at(-1)!.jobs).toEqual([{ account: 'paying-c', name: 'invoice' }]);
    p.done(p.started.at(-1)!);
    expect(await document).toEqual({ value: 'rendered invoice' });
    await p.close();
  });
});

describe("an account's render time", () => {
  const freeBudgetMs = findPlan('free')!.renderSecondsPerMinute * 1000;

  it('is charged by the clock; past its plan\'s budget, its renders wait until the budget refills, and other accounts\' do not', async () => {
    const p = pool();
    void p.render('spender', 'free', 'long');
    const next = p.render('spender', 'free', 'next');
    await tick();
    // its one batch ran a second past the whole minute's budget
    p.advance(freeBudgetMs + 1000);
    p.done(p.started[0]!);
    await tick();
    expect(p.started).toHaveLength(1);
    // a paying account meanwhile renders at once
    const other = p.render('other', 'pro', 'invoice');
    await tick();
    expect(p.started.at(-1)!.jobs[0]!.account).toBe('other');
    p.done(p.started.at(-1)!);
    expect(await other).toEqual({ value: 'rendered invoice' });
    // 10 s a minute refills 1 s in 6 s: not a millisecond before
    p.advance(6000);
    await tick();
    expect(p.runningAccounts()).not.toContain('spender');
    p.advance(1);
    await tick();
    expect(p.runningAccounts()).toEqual(['spender']);
    p.done(p.started.at(-1)!);
    expect(await next).toEqual({ value: 'rendered next' });
    await p.close();
  });

  it('past the budget by more than the longest wait, gets RATE_LIMITED with the Retry-After of the refill', async () => {
    const p = pool({ maxBudgetWaitMs: 5000 });
    void p.render('spender', 'free', 'long');
    await tick();
    p.advance(freeBudgetMs + 1000);
    p.done(p.started[0]!);
    await tick();
    const refused = await p.render('spender', 'free', 'too soon');
    expect(refused.error).toBeInstanceOf(RateLimitedError);
    expect(refused.error).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 7 });
    expect((refused.error as Error).message).toMatch(/this account's plan allows 10 s a minute\)\. Try again in 7 seconds/);
    expect(p.started).toHaveLength(1);
    // once refilled enough to wait less than the bound, it waits instead of being refused
    p.advance(2000);
    const waits = p.render('spender', 'free', 'waits');
    await tick();
    expect(p.started).toHaveLength(1);
    p.advance(4001);
    await tick();
    expect(p.started.at(-1)!.jobs[0]!.name).toBe('waits');
    p.done(p.started.at(-1)!);
    expect(await waits).toEqual({ value: 'rendered waits' });
    await p.close();
  });

  it('is remembered while its account has nothing waiting: a spent budget is not reset by coming back later', async () => {
    const p = pool();
    void p.render('spender', 'free', 'long');
    await tick();
    p.advance(freeBudgetMs + 1000);
    p.done(p.started[0]!);
    await tick();
    p.advance(3000);
    const later = p.render('spender', 'free', 'later');
    await tick();
    expect(p.started).toHaveLength(1);
    p.advance(3001);
    await tick();
    expect(p.started).toHaveLength(2);
    p.done(p.started[1]!);
    expect(await later).toEqual({ value: 'rendered later' });
    await p.close();
  });
});

describe('the queue over all accounts', () => {
  const cost = 100 + WAITING_RENDER_COST;

  it('is bounded: past queueBytesTotal, RATE_LIMITED, though the account has room in its own queue', async () => {
    const p = pool({ total: 2, queueBytesTotal: 8 * cost });
    for (const account of ['paying-a', 'paying-b']) for (let i = 0; i < 5; i++) void p.render(account, 'business', `${account}/${i}`, 100);
    await tick();
    // two run, eight wait: full
    const refused = await p.render('paying-c', 'business', 'one more', 100);
    expect(refused.error).toBeInstanceOf(RateLimitedError);
    expect(refused.error).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    expect((refused.error as Error).message).toMatch(/documents waiting to render on this server/);
    // a batch taken off the queue makes room again
    p.done(p.started[0]!);
    await tick();
    const fits = p.render('paying-c', 'business', 'fits', 100);
    await tick();
    p.done(p.started[1]!);
    await tick();
    for (let turn = 0; turn < 10 && p.running.size > 0; turn++) {
      for (const batch of [...p.running]) p.done(batch);
      await tick();
    }
    expect(await fits).toEqual({ value: 'rendered fits' });
    await p.close();
  });

  it('holds at most half of it for free accounts together: past that they are refused, and a paying account still queues', async () => {
    const p = pool({ total: 2, queueBytesTotal: 8 * cost });
    // one free account runs on the free slot; its waiting renders and another's fill half the queue
    for (let i = 0; i < 3; i++) void p.render('free-1', 'free', `free-1/${i}`, 100);
    for (let i = 0; i < 2; i++) void p.render('free-2', 'free', `free-2/${i}`, 100);
    await tick();
    const refused = await p.render('free-3', 'free', 'one more', 100);
    expect(refused.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect((refused.error as Error).message).toMatch(/documents waiting to render on this server/);
    // a paying account: one running, three waiting, in the other half
    const paying = Array.from({ length: 4 }, (_, i) => p.render('paying', 'pro', `invoice ${i}`, 100));
    await tick();
    expect(p.runningAccounts()).toContain('paying');
    for (let turn = 0; turn < 10 && p.running.size > 0; turn++) {
      for (const batch of [...p.running]) p.done(batch);
      await tick();
    }
    expect(await Promise.all(paying)).toEqual(Array.from({ length: 4 }, (_, i) => ({ value: `rendered invoice ${i}` })));
    await p.close();
  });
});
