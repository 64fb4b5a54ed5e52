// Who gets the next free render thread. Each account may run `perAccount` batches at once; more
// renders wait in a queue of its own, up to `queueBytesPerAccount` of templates and data, and past
// that are refused. A freed thread goes to the accounts with work waiting in turn (round robin), so
// an account that keeps its share busy with slow renders only makes its own renders wait.
//
// The queue is bounded by what it holds rather than by a count: a burst of a thousand small
// documents from one integrator is fine, a pile of 64 KiB templates that each run to the timeout
// is not (it would hold their requests in memory for that long).
//
// When an account's turn comes, it takes the renders it has waiting, up to `maxBatch` of them and
// `maxBatchBytes` of templates and data, to its thread in one message. One render per message
// made the account's renders take one trip between the threads each, and the main loop answers a
// thread at most once per turn of the loop: under load, an account's documents were limited to
// about one per turn of the loop, with its thread idle in between. The share is unchanged: an
// account still holds at most `perAccount` threads, and a batch gives its thread back as soon as it
// has rendered for a while (render-worker.mjs), with the renders it did not reach back at the front
// of the account's queue.
import { RateLimitedError } from '../domain/errors.js';

export interface FairSlotsOptions {
  /** Batches that run at once, over all accounts: the size of the pool. */
  total: number;
  /** Batches of one account that run at once. */
  perAccount: number;
  /** Template and data characters of one account's waiting renders (plus WAITING_RENDER_COST each); past them, RATE_LIMITED. */
  queueBytesPerAccount: number;
  /** Retry-After for a refused render. */
  retryAfterSeconds: number;
  /** Renders one batch takes at most. */
  maxBatch: number;
  /** Template and data characters one batch takes at most (its first render may be larger on its own). */
  maxBatchBytes: number;
}

/** What a waiting render costs beyond its template and data: its request, its promise. */
export const WAITING_RENDER_COST = 1024;

/** How one job of a batch ended; `undefined` for a job that did not run, or whose result was lost with its thread: it is queued again. */
export type JobOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown } | undefined;

/**
 * Runs one account's batch on a thread, and says how each job ended, in order. `holdShareFor`
 * keeps the account's share (not the thread) for a while after the batch. A batch that gives no job
 * an outcome fails its first.
 */
export type RunBatch<J, R> = (jobs: J[], holdShareFor: (ms: number) => void) => Promise<Array<JobOutcome<R>>>;

interface Waiter<J, R> {
  job: J;
  size: number;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

interface AccountSlots<J, R> {
  running: number;
  waiting: Array<Waiter<J, R>>;
  waitingBytes: number;
}

export class FairSlots<J, R> {
  private running = 0;
  private closed = false;
  private readonly holds = new Set<NodeJS.Timeout>();
  // Map iteration order is insertion order: an account is moved to the back each time it is served
  private readonly accounts = new Map<string, AccountSlots<J, R>>();

  constructor(
    private readonly options: FairSlotsOptions,
    private readonly runBatch: RunBatch<J, R>,
  ) {}

  /**
   * Runs `job` in a batch of `accountId`'s once a thread is free for the account.
   * `size` is what the job holds while it waits: its template and data, in characters.
   */
  run(accountId: string, size: number, job: J): Promise<R> {
    if (this.closed) return Promise.reject(new Error('The render pool is closed.'));
    let account = this.accounts.get(accountId);
    if (!account) {
      account = { running: 0, waiting: [], waitingBytes: 0 };
      this.accounts.set(accountId, account);
    }
    const slots = account;
    return new Promise<R>((resolve, reject) => {
      const waiter: Waiter<J, R> = { job, size, resolve, reject };
      if (slots.waiting.length === 0 && slots.running < this.options.perAccount && this.running < this.options.total) {
        this.take(accountId, slots);
        this.start(accountId, slots, [waiter]);
        return;
      }
      if (slots.waitingBytes + size + WAITING_RENDER_COST > this.options.queueBytesPerAccount) {
        if (slots.running === 0 && slots.waiting.length === 0) this.accounts.delete(accountId);
        reject(new RateLimitedError(this.options.retryAfterSeconds, 'documents rendering at once for this account'));
        return;
      }
      this.enqueue(slots, [waiter], 'back');
    });
  }

  /** Refuses every waiting render; running ones finish (or are ended by their owner). */
  close(): void {
    this.closed = true;
    for (const timer of this.holds) clearTimeout(timer);
    this.holds.clear();
    for (const account of this.accounts.values()) {
      for (const waiter of account.waiting.splice(0)) waiter.reject(new Error('The render pool is closed.'));
      account.waitingBytes = 0;
    }
  }

  private enqueue(account: AccountSlots<J, R>, waiters: Array<Waiter<J, R>>, end: 'front' | 'back') {
    for (const waiter of waiters) account.waitingBytes += waiter.size + WAITING_RENDER_COST;
    if (end === 'front') account.waiting.unshift(...waiters);
    else account.waiting.push(...waiters);
  }

  private start(accountId: string, account: AccountSlots<J, R>, batch: Array<Waiter<J, R>>) {
    let holdMs = 0;
    const settle = (outcomes: Array<JobOutcome<R>>) => {
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
    this.runBatch(
      batch.map((waiter) => waiter.job),
      (ms) => (holdMs = ms),
    )
      .then(settle, (error: unknown) => settle(batch.map(() => ({ ok: false as const, error }))))
      .finally(() => {
        // the thread is free at once; the account's share, maybe later
        this.running--;
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
    // to the back of the line
    this.accounts.delete(accountId);
    this.accounts.set(accountId, account);
  }

  private releaseShare(accountId: string, account: AccountSlots<J, R>) {
    account.running--;
    if (account.running === 0 && account.waiting.length === 0) this.accounts.delete(accountId);
    this.dispatch();
  }

  private dispatch() {
    while (this.running < this.options.total) {
      let next: [string, AccountSlots<J, R>] | undefined;
      for (const entry of this.accounts) {
        if (entry[1].waiting.length > 0 && entry[1].running < this.options.perAccount) {
          next = entry;
          break;
        }
      }
      if (!next) return;
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
    for (const waiter of batch) account.waitingBytes -= waiter.size + WAITING_RENDER_COST;
    return batch;
  }
}
