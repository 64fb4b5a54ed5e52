// Who gets the next free render thread. Each account may run `perAccount` renders at once; more
// wait in a queue of its own, up to `queueBytesPerAccount` of templates and data, and past that
// are refused. A freed thread goes to the accounts with work waiting in turn (round robin), so an
// account that keeps its share busy with slow renders only makes its own renders wait.
//
// The queue is bounded by what it holds rather than by a count: a burst of a thousand small
// documents from one integrator is fine, a pile of 64 KiB templates that each run to the timeout
// is not (it would hold their requests in memory for that long).
import { RateLimitedError } from '../domain/errors.js';

export interface FairSlotsOptions {
  /** Renders that run at once, over all accounts: the size of the pool. */
  total: number;
  /** Renders of one account that run at once. */
  perAccount: number;
  /** Template and data characters of one account's waiting renders (plus WAITING_RENDER_COST each); past them, RATE_LIMITED. */
  queueBytesPerAccount: number;
  /** Retry-After for a refused render. */
  retryAfterSeconds: number;
}

/** What a waiting render costs beyond its template and data: its request, its promise. */
export const WAITING_RENDER_COST = 1024;

interface Waiter {
  bytes: number;
  start: () => void;
  cancel: (error: Error) => void;
}

interface AccountSlots {
  running: number;
  waiting: Waiter[];
  waitingBytes: number;
}

export class FairSlots {
  private running = 0;
  private closed = false;
  private readonly holds = new Set<NodeJS.Timeout>();
  // Map iteration order is insertion order: an account is moved to the back each time it is served
  private readonly accounts = new Map<string, AccountSlots>();

  constructor(private readonly options: FairSlotsOptions) {}

  /**
   * Runs `work` once a thread is free for `accountId`, and frees the thread when it settles.
   * `size` is what the render holds while it waits: its template and data, in characters.
   * `work` may ask to keep the account's share (not the thread) for a while after it settles.
   */
  async run<T>(accountId: string, size: number, work: (holdShareFor: (ms: number) => void) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('The render pool is closed.');
    let account = this.accounts.get(accountId);
    if (!account) {
      account = { running: 0, waiting: [], waitingBytes: 0 };
      this.accounts.set(accountId, account);
    }
    if (account.waiting.length === 0 && account.running < this.options.perAccount && this.running < this.options.total) {
      this.take(accountId, account);
    } else {
      const bytes = size + WAITING_RENDER_COST;
      if (account.waitingBytes + bytes > this.options.queueBytesPerAccount) {
        throw new RateLimitedError(this.options.retryAfterSeconds, 'documents rendering at once for this account');
      }
      account.waitingBytes += bytes;
      await new Promise<void>((start, cancel) => account!.waiting.push({ bytes, start, cancel }));
    }
    let holdMs = 0;
    try {
      return await work((ms) => (holdMs = ms));
    } finally {
      // the thread is free at once; the account's share, maybe later
      this.running--;
      if (holdMs > 0) {
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
    }
  }

  /** Refuses every waiting render; running ones finish (or are ended by their owner). */
  close(): void {
    this.closed = true;
    for (const timer of this.holds) clearTimeout(timer);
    this.holds.clear();
    for (const account of this.accounts.values()) {
      for (const waiter of account.waiting.splice(0)) waiter.cancel(new Error('The render pool is closed.'));
    }
  }

  private take(accountId: string, account: AccountSlots) {
    account.running++;
    this.running++;
    // to the back of the line
    this.accounts.delete(accountId);
    this.accounts.set(accountId, account);
  }

  private releaseShare(accountId: string, account: AccountSlots) {
    account.running--;
    if (account.running === 0 && account.waiting.length === 0) this.accounts.delete(accountId);
    this.dispatch();
  }

  private dispatch() {
    while (this.running < this.options.total) {
      let next: [string, AccountSlots] | undefined;
      for (const entry of this.accounts) {
        if (entry[1].waiting.length > 0 && entry[1].running < this.options.perAccount) {
          next = entry;
          break;
        }
      }
      if (!next) return;
      const [accountId, account] = next;
      this.take(accountId, account);
      const waiter = account.waiting.shift()!;
      account.waitingBytes -= waiter.bytes;
      waiter.start();
    }
  }
}
