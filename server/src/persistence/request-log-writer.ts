// The request log's writer: requests hand their entries over as they end, in memory and at once,
// and a timer writes them in batches, one transaction each. A document never waits for its own
// log line, and a thousand requests cost a few multi-row INSERTs instead of a thousand writes.
//
// Memory is bounded. Each account holds at most `maxPerAccount` unwritten entries and all together
// at most `maxBuffered`; past either, the oldest entries of the account that holds the most are
// dropped, and counted (`dropped`, and the metric). So a flood from one tenant, or from a token
// leaked to a botnet, loses that tenant's oldest lines, never another tenant's, and never slows a
// request. The per-hour outcome counts (the refusal summary) are kept apart from the entries and
// never dropped: the summary stays exact when lines are lost.
//
// Refused requests are logged up to REFUSED_ENTRIES_PER_TOKEN_PER_SECOND a token; past that they
// are only counted. A usable token's requests are bounded by its rate limit, but a deleted or
// leaked secret in a botnet's hands is refused as fast as it is sent, and would otherwise write a
// row per request into its owner's log (and hold the database's writer) for the whole retention.
//
// Batches are taken a share per account, in turn: one busy account does not delay another's log.
import { OK_OUTCOME, outcomeCountOf, type RequestLogEntry, type RequestLogSink, type RequestLogStore, type RequestOutcomeCount } from '../domain/request-log.js';

export interface RequestLogWriterOptions {
  /** Unwritten entries held for all accounts together. */
  maxBuffered: number;
  /** Unwritten entries held for one account. */
  maxPerAccount: number;
  /** Entries written per transaction. */
  batchSize: number;
  /** How often the buffer is written, and sooner when it is half full; 0: only when flush() is called (tests). */
  flushIntervalMs: number;
  /** Hears of entries dropped unwritten (the buffer was full, or their batch failed). */
  onDropped?: (count: number) => void;
  /** Hears of each batch once it is committed. */
  onWritten?: (entries: readonly RequestLogEntry[]) => void;
  /** Hears of a batch the database refused; its entries are dropped, its counts kept for the next. */
  onError?: (error: unknown) => void;
}

/** One account's unwritten entries, oldest first, from `head` on (dropping the oldest moves it). */
class AccountQueue {
  private entries: RequestLogEntry[] = [];
  private head = 0;

  get size(): number {
    return this.entries.length - this.head;
  }

  push(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  dropOldest(): void {
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.entries.length) this.compact();
  }

  take(count: number): RequestLogEntry[] {
    const taken = this.entries.slice(this.head, this.head + count);
    this.head += taken.length;
    this.compact();
    return taken;
  }

  private compact(): void {
    this.entries = this.entries.slice(this.head);
    this.head = 0;
  }
}

/** Refused requests a token logs a second; the rest are counted only (see above). */
export const REFUSED_ENTRIES_PER_TOKEN_PER_SECOND = 20;

export class RequestLogWriter implements RequestLogSink {
  private readonly queues = new Map<string, AccountQueue>();
  /** Refused entries each token logged in the current second of the wall clock. */
  private refusedThisSecond = new Map<string, number>();
  private currentSecond = 0;
  private buffered = 0;
  private counts = new Map<string, RequestOutcomeCount>();
  private droppedTotal = 0;
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<RequestLogStore, 'write'>,
    private readonly options: RequestLogWriterOptions,
  ) {
    if (options.flushIntervalMs > 0) this.timer = setInterval(() => {
        // a write slower than the interval is not queued up behind: the running one takes what arrived
        if (!this.flushing) void this.flush();
      }, options.flushIntervalMs).unref();
  }

  /** Takes a request's entry; constant time, never waits, never throws. */
  append(entry: RequestLogEntry): void {
    this.addCount(outcomeCountOf(entry));
    if (entry.outcome !== OK_OUTCOME && this.overRefusalBudget(entry.tokenId)) {
      this.countDropped(1);
      return;
    }
    let queue = this.queues.get(entry.accountId);
    if (!queue) this.queues.set(entry.accountId, (queue = new AccountQueue()));
    if (queue.size >= this.options.maxPerAccount) this.drop(queue);
    else if (this.buffered >= this.options.maxBuffered) this.drop(this.largestQueue(queue));
    queue.push(entry);
    this.buffered++;
    // A burst does not wait for the timer: at half of either bound the writing starts at once, and
    // the running write goes on while entries keep arriving. Entries are then dropped only when
    // they arrive faster than the database takes them, not because a burst fell between two ticks.
    if (this.timer && !this.flushing && (queue.size * 2 >= this.options.maxPerAccount || this.buffered * 2 >= this.options.maxBuffered)) void this.flush();
  }

  private overRefusalBudget(tokenId: string): boolean {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.currentSecond) {
      this.currentSecond = second;
      this.refusedThisSecond = new Map();
    }
    const logged = (this.refusedThisSecond.get(tokenId) ?? 0) + 1;
    this.refusedThisSecond.set(tokenId, logged);
    return logged > REFUSED_ENTRIES_PER_TOKEN_PER_SECOND;
  }

  /** Entries dropped unwritten since the start. */
  dropped(): number {
    return this.droppedTotal;
  }

  /** Entries waiting to be written. */
  pending(): number {
    return this.buffered;
  }

  /** Writes everything buffered now, a batch at a time; resolves once it is written (or dropped). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.writeAll().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  private async writeAll(): Promise<void> {
    while (this.buffered > 0 || this.counts.size > 0) {
      const entries = this.takeBatch();
      // every count so far goes with the first batch: they are few (one per token, hour and outcome)
      const counts = [...this.counts.values()];
      this.counts = new Map();
      try {
        await this.store.write(entries, counts);
      } catch (error) {
        for (const count of counts) this.addCount(count);
        this.countDropped(entries.length);
        this.options.onError?.(error);
        return; // the next run tries again; a database that is down is not hammered meanwhile
      }
      if (entries.length > 0) this.options.onWritten?.(entries);
    }
  }

  /** Up to batchSize entries, an equal share from each account in turn. */
  private takeBatch(): RequestLogEntry[] {
    const batch: RequestLogEntry[] = [];
    while (batch.length < this.options.batchSize && this.buffered > 0) {
      const share = Math.max(1, Math.floor((this.options.batchSize - batch.length) / this.queues.size));
      for (const [accountId, queue] of this.queues) {
        const taken = queue.take(Math.min(share, this.options.batchSize - batch.length));
        this.buffered -= taken.length;
        batch.push(...taken);
        if (queue.size === 0) this.queues.delete(accountId);
        if (batch.length >= this.options.batchSize) break;
      }
    }
    return batch;
  }

  /**
   * The queue to drop from when the whole buffer is full: the appending account's own if it holds
   * at least an even share, else the first that holds more than one (one exists: the average is above it).
   */
  private largestQueue(own: AccountQueue): AccountQueue {
    const evenShare = this.buffered / Math.max(1, this.queues.size);
    if (own.size >= evenShare) return own;
    for (const queue of this.queues.values()) if (queue.size > evenShare) return queue;
    return own;
  }

  private drop(queue: AccountQueue): void {
    if (queue.size === 0) return;
    queue.dropOldest();
    this.buffered--;
    this.countDropped(1);
  }

  private countDropped(count: number): void {
    if (count === 0) return;
    this.droppedTotal += count;
    this.options.onDropped?.(count);
  }

  private addCount(count: RequestOutcomeCount): void {
    const key = `${count.tokenId}|${count.hour.getTime()}|${count.outcome}`;
    const held = this.counts.get(key);
    if (held) {
      held.count += count.count;
      held.expiresAt = count.expiresAt;
    } else this.counts.set(key, { ...count });
  }
}
