// Who gets the next free renderer. Each account may run `perAccount` batches at once; more renders
// wait in a queue of its own, up to `queueBytesPerAccount` of templates and data, and past that are
// refused.
//
// Accounts share the pool by plan (domain/plans.ts), because sign-up is free and one tenant can be
// many free accounts: a per-account share alone let four free accounts whose renders all ran to
// the timeout hold every renderer, and a paying account's 8 ms render waited 2.5 s.
// - Free accounts together run at most half the pool's batches (freeSliceOf) and hold at most half
//   of the queue's bytes: the other half always serves paying accounts.
// - Render time is charged: each batch's wall time, from its start to its end, comes off its
//   account's budget of render seconds per minute (a token bucket holding a minute's worth). An
//   account past its budget starts nothing until the budget refills; its renders wait. A render
//   that would wait longer than `maxBudgetWaitMs` for it is refused with RATE_LIMITED and the
//   Retry-After of the refill: a client answered within seconds has no need to retry, while a
//   queue that holds requests for minutes holds their memory and connections.
// - A freed renderer goes to the waiting account with the least render time charged, divided by
//   its plan's weight, since it last had work (start-time fair queuing): an account of cheap
//   renders goes before one whose renders run to the timeout, and a paying account before free
//   ones that spent as much. Otherwise they go in turn (round robin).
//
// The queue is bounded by what it holds rather than by a count: a burst of a thousand small
// documents from one integrator is fine, a pile of 64 KiB templates that each run to the timeout
// is not (it would hold their requests in memory for that long). It is bounded per account and
// over all accounts (`queueBytesTotal`).
//
// When an account's turn comes, it takes the renders it has waiting, up to `maxBatch` of them and
// `maxBatchBytes` of templates and data, to its renderer in one message. One render per message
// made the account's renders take one trip each, and the main loop answers a renderer at most once
// per turn of the loop: under load, an account's documents were limited to about one per turn of
// the loop, with its renderer idle in between. The share is unchanged: an account still holds at
// most `perAccount` renderers, and a batch gives its renderer back as soon as it has rendered for a
// while, with the renders it did not reach back at the front of the account's queue.
import { RateLimitedError } from '../domain/errors.js';
import { freeSliceOf, renderShareOf, type RenderShare } from '../domain/plans.js';

export interface FairSlotsOptions {
  /** Batches that run at once, over all accounts: the size of the pool. */
  total: number;
  /** Batches of one account that run at once. */
  perAccount: number;
  /** Template and data characters of one account's waiting renders (plus WAITING_RENDER_COST each); past them, RATE_LIMITED. */
  queueBytesPerAccount: number;
  /** The same over all accounts' waiting renders; free accounts together may hold half of it (freeSliceOf). */
  queueBytesTotal: number;
  /** Retry-After for a render refused because a queue is full. */
  retryAfterSeconds: number;
  /** Renders one batch takes at most. */
  maxBatch: number;
  /** Template and data characters one batch takes at most (its first render may be larger on its own). */
  maxBatchBytes: number;
  /** Longest a render may be made to wait for its account's render-time budget to refill; past it, RATE_LIMITED. Default 10 s. */
  maxBudgetWaitMs?: number;
  /** The clock render time is charged by, in ms. Default performance.now. */
  now?: () => number;
  /**
   * Asked as each batch is about to start: an error refuses the batch's renders with it instead.
   * The server refuses new renders while the answers its clients have not read are over their
   * bound (http/unsent-answers.ts): asked here, at the start, it also bounds requests that all
   * arrived before the bound was passed.
   */
  refuseToStart?: () => Error | undefined;
}

/** What a waiting render costs beyond its template and data: its request, its promise. */
export const WAITING_RENDER_COST = 1024;

const DEFAULT_MAX_BUDGET_WAIT_MS = 10_000;
/** How often budgets that have refilled completely are forgotten. */
const BUDGET_SWEEP_INTERVAL_MS = 60_000;

/** How one job of a batch ended; `undefined` for a job that did not run, or whose result was lost with its renderer: it is queued again. */
export type JobOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown } | undefined;

/**
 * Runs one account's batch on a renderer, and says how each job ended, in order. `holdShareFor`
 * keeps the account's share (not the renderer) for a while after the batch. A batch that gives no
 * job an outcome fails its first.
 */
export type RunBatch<J, R> = (jobs: J[], holdShareFor: (ms: number) => void) => Promise<Array<JobOutcome<R>>>;

interface Waiter<J, R> {
  job: J;
  size: number;
  /** Charged to the free accounts' half of the queue (the account's plan when it was queued). */
  free: boolean;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

interface AccountSlots<J, R> {
  running: number;
  waiting: Array<Waiter<J, R>>;
  waitingBytes: number;
  /** The plan of its latest render. */
  share: RenderShare;
  /** Render time charged since it last had work, in ms divided by its weight. */
  virtualTime: number;
}

/** An account's render-time budget, as what it has used: nothing used (a full bucket) is no entry. */
interface Budget {
  usedMs: number;
  /** When usedMs was last brought up to date. */
  at: number;
  /** The plan's, when it was: how fast it refills. */
  secondsPerMinute: number;
}

export class FairSlots<J, R> {
  private running = 0;
  /** Batches of free accounts running. */
  private freeRunning = 0;
  private waitingBytes = 0;
  private freeWaitingBytes = 0;
  private closed = false;
  private readonly holds = new Set<NodeJS.Timeout>();
  private refillTimer: NodeJS.Timeout | undefined;
  // Map iteration order is insertion order: an account is moved to the back each time it is served
  private readonly accounts = new Map<string, AccountSlots<J, R>>();
  // kept while an account is idle too: a budget is spent by the minute, not by the visit
  private readonly budgets = new Map<string, Budget>();
  private lastSweep: number;
  private readonly freeSlots: number;
  private readonly freeQueueBytes: number;
  private readonly maxBudgetWaitMs: number;
  private readonly now: () => number;

  constructor(
    private readonly options: FairSlotsOptions,
    private readonly runBatch: RunBatch<J, R>,
  ) {
    this.freeSlots = freeSliceOf(options.total);
    this.freeQueueBytes = freeSliceOf(options.queueBytesTotal);
    this.maxBudgetWaitMs = options.maxBudgetWaitMs ?? DEFAULT_MAX_BUDGET_WAIT_MS;
    this.now = options.now ?? (() => performance.now());
    this.lastSweep = this.now();
  }

  /**
   * Runs `job` in a batch of `accountId`'s once a renderer is free for the account, sharing the
   * pool by `planId` (domain/plans.ts; unknown or null renders as free). `size` is what the job
   * holds while it waits: its template and data, in characters.
   */
  run(accountId: string, planId: string | null, size: number, job: J): Promise<R> {
    if (this.closed) return Promise.reject(new Error('The render pool is closed.'));
    const share = renderShareOf(planId);
    const now = this.now();
    this.sweepBudgets(now);
    let account = this.accounts.get(accountId);
    if (!account) {
      // no credit saved up while idle: it starts level with the account furthest behind
      account = { running: 0, waiting: [], waitingBytes: 0, share, virtualTime: this.leastVirtualTime() };
      this.accounts.set(accountId, account);
    }
    account.share = share;
    const slots = account;
    return new Promise<R>((resolve, reject) => {
      const waiter: Waiter<J, R> = { job, size, free: share.free, resolve, reject };
      const budgetWait = this.budgetWait(accountId, share, now);
      if (slots.waiting.length === 0 && budgetWait === 0 && this.hasRoomFor(slots)) {
        this.take(accountId, slots);
        this.start(accountId, slots, [waiter]);
        return;
      }
      const refuse = (error: RateLimitedError) => {
        this.forgetIfIdle(accountId, slots);
        reject(error);
      };
      const cost = size + WAITING_RENDER_COST;
      if (slots.waitingBytes + cost > this.options.queueBytesPerAccount) {
        return refuse(new RateLimitedError(this.options.retryAfterSeconds, 'documents rendering at once for this account'));
      }
      if (this.waitingBytes + cost > this.options.queueBytesTotal || (share.free && this.freeWaitingBytes + cost > this.freeQueueBytes)) {
        return refuse(new RateLimitedError(this.options.retryAfterSeconds, 'documents waiting to render on this server'));
      }
      if (budgetWait > this.maxBudgetWaitMs) {
        return refuse(new RateLimitedError(Math.ceil(budgetWait / 1000), `seconds of rendering this minute (this account's plan allows ${share.secondsPerMinute} s a minute)`));
      }
      this.enqueue(slots, [waiter], 'back');
      this.dispatch();
    });
  }

  /** Refuses every waiting render; running ones finish (or are ended by their owner). */
  close(): void {
    this.closed = true;
    for (const timer of this.holds) clearTimeout(timer);
    this.holds.clear();
    clearTimeout(this.refillTimer);
    for (const account of this.accounts.values()) {
      for (const waiter of account.waiting.splice(0)) waiter.reject(new Error('The render pool is closed.'));
      account.waitingBytes = 0;
    }
    this.waitingBytes = 0;
    this.freeWaitingBytes = 0;
  }

  /** Whether the pool, the free accounts' slice of it and the account's own share have a slot for the account. */
  private hasRoomFor(account: AccountSlots<J, R>): boolean {
    return (
      this.running < this.options.total &&
      account.running < this.options.perAccount &&
      (!account.share.free || this.freeRunning < this.freeSlots)
    );
  }

  /** Milliseconds until the account may start a batch: 0 while it has budget left. */
  private budgetWait(accountId: string, share: RenderShare, now: number): number {
    const budget = this.budgets.get(accountId);
    if (!budget) return 0;
    const capacityMs = share.secondsPerMinute * 1000;
    const used = this.usedAt(budget, now);
    // a minute's worth refills in a minute: secondsPerMinute / 60 ms each ms
    return used < capacityMs ? 0 : Math.ceil(((used - capacityMs) * 60) / budget.secondsPerMinute) + 1;
  }

  private usedAt(budget: Budget, now: number): number {
    return Math.max(0, budget.usedMs - ((now - budget.at) * budget.secondsPerMinute) / 60);
  }

  /** Charges a batch's wall time to its account's budget and to its place in line. */
  private charge(accountId: string, account: AccountSlots<J, R>, elapsedMs: number) {
    const now = this.now();
    const budget = this.budgets.get(accountId);
    const used = budget ? this.usedAt(budget, now) : 0;
    this.budgets.set(accountId, { usedMs: used + elapsedMs, at: now, secondsPerMinute: account.share.secondsPerMinute });
    account.virtualTime += elapsedMs / account.share.secondsPerMinute;
  }

  private sweepBudgets(now: number) {
    if (now - this.lastSweep < BUDGET_SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [accountId, budget] of this.budgets) if (this.usedAt(budget, now) === 0) this.budgets.delete(accountId);
  }

  /** Less render time charged goes first; at equal charge, a paying account before a free one; then in turn. */
  private isAhead(account: AccountSlots<J, R>, other: AccountSlots<J, R>): boolean {
    if (account.virtualTime !== other.virtualTime) return account.virtualTime < other.virtualTime;
    return !account.share.free && other.share.free;
  }

  private leastVirtualTime(): number {
    let least = Infinity;
    for (const account of this.accounts.values()) least = Math.min(least, account.virtualTime);
    return least === Infinity ? 0 : least;
  }

  private forgetIfIdle(accountId: string, account: AccountSlots<J, R>) {
    if (account.running === 0 && account.waiting.length === 0) this.accounts.delete(accountId);
  }

  private enqueue(account: AccountSlots<J, R>, waiters: Array<Waiter<J, R>>, end: 'front' | 'back') {
    for (const waiter of waiters) this.chargeQueue(account, waiter, 1);
    if (end === 'front') account.waiting.unshift(...waiters);
    else account.waiting.push(...waiters);
  }

  private chargeQueue(account: AccountSlots<J, R>, waiter: Waiter<J, R>, sign: 1 | -1) {
    const cost = sign * (waiter.size + WAITING_RENDER_COST);
    account.waitingBytes += cost;
    this.waitingBytes += cost;
    if (waiter.free) this.freeWaitingBytes += cost;
  }

  private start(accountId: string, account: AccountSlots<J, R>, batch: Array<Waiter<J, R>>) {
    let holdMs = 0;
    const startedAt = this.now();
    // the slice this batch counts against, whatever the account's plan is by the time it ends
    const free = account.share.free;
    if (free) this.freeRunning++;
    const settle = (outcomes: Array<JobOutcome<R>>) => {
      this.charge(accountId, account, Math.max(0, this.now() - startedAt));
      // every batch settles at least one render, so that no render can be queued again forever
      if (!outcomes.some(Boolean)) outcomes = [{ ok: false, error: new Error('The render batch ended without a render.') }];
      const again: Array<Waiter<J, R>> = [];
      batch.forEach((waiter, index) => {
        const outcome = outcomes[index];
        if (!outcome) again.push(waiter);
        else if (outcome.ok) waiter.resolve(outcome.value);
        else waiter.reject(outcome.error);
      });
      if (again.length === 0) return;
      if (this.closed) for (const waiter of again) waiter.reject(new Error('The render pool is closed.'));
      // at the front: they were the account's oldest renders, and keep their place
      else this.enqueue(account, again, 'front');
    };
    const refusal = this.options.refuseToStart?.();
    (refusal
      ? Promise.resolve(batch.map(() => ({ ok: false as const, error: refusal })))
      : this.runBatch(
          batch.map((waiter) => waiter.job),
          (ms) => (holdMs = ms),
        )
    )
      .then(settle, (error: unknown) => settle(batch.map(() => ({ ok: false as const, error }))))
      .finally(() => {
        // the renderer is free at once; the account's share, maybe later
        this.running--;
        if (free) this.freeRunning--;
        if (holdMs > 0 && !this.closed) {
          // not unref'd: a render may be waiting for this share, with nothing else to wait for
          const timer = setTimeout(() => {
            this.holds.delete(timer);
            this.releaseShare(accountId, account);
          }, holdMs);
          this.holds.add(timer);
          this.dispatch();
        } else {
          this.releaseShare(accountId, account);
        }
      });
  }

  private take(accountId: string, account: AccountSlots<J, R>) {
    account.running++;
    this.running++;
    // to the back of the line, among accounts with as much charged
    this.accounts.delete(accountId);
    this.accounts.set(accountId, account);
  }

  private releaseShare(accountId: string, account: AccountSlots<J, R>) {
    account.running--;
    this.forgetIfIdle(accountId, account);
    this.dispatch();
  }

  private dispatch() {
    if (this.closed) return;
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    while (this.running < this.options.total) {
      const now = this.now();
      let next: [string, AccountSlots<J, R>] | undefined;
      let soonestRefill = Infinity;
      for (const entry of this.accounts) {
        const [accountId, account] = entry;
        if (account.waiting.length === 0 || !this.hasRoomFor(account)) continue;
        const wait = this.budgetWait(accountId, account.share, now);
        if (wait > 0) soonestRefill = Math.min(soonestRefill, wait);
        else if (!next || this.isAhead(account, next[1])) next = entry;
      }
      if (!next) {
        // a slot is free and only spent budgets keep renders from it: look again when one refills
        // (not unref'd, for the same reason as the holds)
        if (soonestRefill < Infinity) this.refillTimer = setTimeout(() => this.dispatch(), soonestRefill);
        return;
      }
      const [accountId, account] = next;
      this.take(accountId, account);
      this.start(accountId, account, this.takeBatch(account));
    }
  }

  /** The account's oldest waiting renders, as many as one batch takes (always at least one). */
  private takeBatch(account: AccountSlots<J, R>): Array<Waiter<J, R>> {
    let count = 0;
    let bytes = 0;
    for (const waiter of account.waiting) {
      if (count > 0 && (count === this.options.maxBatch || bytes + waiter.size > this.options.maxBatchBytes)) break;
      count++;
      bytes += waiter.size;
    }
    const batch = account.waiting.splice(0, count);
    for (const waiter of batch) this.chargeQueue(account, waiter, -1);
    return batch;
  }
}
