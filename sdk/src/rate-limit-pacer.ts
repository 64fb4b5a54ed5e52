// Pacing a client's document requests by what the API's last answer said of its rate limit
// (rate-limit.ts), so that a client that used up a window waits for it to start again instead of
// sending requests the API can only refuse with 429.
//
// One pacer per client, shared by its concurrent calls. Taking a slot (tryAcquire) is synchronous,
// so of many calls woken together only as many go as the windows have room for. A request on its
// way is counted against every window until its answer comes: the last answer's `r` may or may not
// include it, and assuming it does not can make a call wait a little early, never send one too many.
import { parseRateLimitHeaders, type RateLimitPolicy, type RateLimitState } from './rate-limit.js';

/** The rate limit as the last document answer stated it (`client.rateLimit`). */
export interface RateLimitSnapshot {
  /** When that answer arrived. */
  readonly receivedAt: Date;
  /** The windows (RateLimit-Policy). */
  readonly policies: ReadonlyArray<Readonly<RateLimitPolicy>>;
  /** Where the token stood in each window (RateLimit), with the time each starts again. */
  readonly states: ReadonlyArray<Readonly<RateLimitState & { resetsAt: Date | undefined }>>;
}

/** A request's place in the windows; done() once it is over, with its answer's headers when it had one. */
export interface RateLimitSlot {
  done(headers?: { get(name: string): string | null }): void;
}

/** No room in the window `name` for another request for `waitMs`, unless an answer says otherwise first. */
export interface RateLimitBlocked {
  name: string;
  waitMs: number;
}

interface Window {
  name: string;
  remaining: number;
  /** When the window starts again, on the pacer's clock; undefined when the answer did not say (no t, no w). */
  resetAt: number | undefined;
  quota: number | undefined;
  windowMs: number | undefined;
}

export class RateLimitPacer {
  private windows: Window[] = [];
  private inFlight = 0;
  private last: RateLimitSnapshot | undefined;
  private readonly wakers = new Set<() => void>();

  /** `now`: a monotonic clock in milliseconds (the tests pass their own). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  get snapshot(): RateLimitSnapshot | undefined {
    return this.last;
  }

  /** A slot for one request when every window has room for it; else the window that has none, and for how long. */
  tryAcquire(): RateLimitSlot | RateLimitBlocked {
    return this.blocked(this.now()) ?? this.acquire();
  }

  /** A slot whatever the windows say (respectRateLimit: false): the request is still counted, and its answer still read. */
  acquire(): RateLimitSlot {
    this.inFlight++;
    let open = true;
    return {
      done: (headers) => {
        if (!open) return;
        open = false;
        this.inFlight--;
        if (headers) this.observe(headers);
        for (const wake of [...this.wakers]) wake();
      },
    };
  }

  /**
   * Resolves after `ms`, or sooner when a request ends (its answer may open a window, or its
   * failure frees its place); rejects with the signal's reason when it aborts. The caller then
   * asks tryAcquire again: a timer may fire a little early, and it then waits for what is left.
   */
  waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const settle = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        signal.removeEventListener('abort', onAbort);
      };
      const wake = () => {
        settle();
        resolve();
      };
      const onAbort = () => {
        settle();
        reject(signal.reason);
      };
      const timer = setTimeout(wake, Math.max(1, Math.ceil(ms)));
      this.wakers.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private blocked(now: number): RateLimitBlocked | undefined {
    let longest: RateLimitBlocked | undefined;
    for (const window of this.windows) {
      const waitMs = this.untilRoomIn(window, now);
      if (waitMs > 0 && (!longest || waitMs > longest.waitMs)) longest = { name: window.name, waitMs };
    }
    return longest;
  }

  /** 0 when the window has room for one more request now; else the time until it starts again. */
  private untilRoomIn(window: Window, now: number): number {
    // no time stated: the API's own 429 and Retry-After decide
    if (window.resetAt === undefined) return 0;
    if (now < window.resetAt) return window.remaining - this.inFlight > 0 ? 0 : window.resetAt - now;
    // the window has started again since that answer: its whole quota, less the requests on their
    // way; without q and w nothing is known of it, and the API decides
    if (window.quota === undefined || window.windowMs === undefined) return 0;
    if (window.quota - this.inFlight > 0) return 0;
    const nextReset = window.resetAt + (Math.floor((now - window.resetAt) / window.windowMs) + 1) * window.windowMs;
    return nextReset - now;
  }

  /** An answer's headers; one without a readable RateLimit keeps what the last one said. */
  private observe(headers: { get(name: string): string | null }): void {
    const { policies, states } = parseRateLimitHeaders(headers);
    if (states.length === 0) return;
    const at = this.now();
    const wallClock = Date.now();
    this.windows = states.map((state) => {
      const policy = policies.find((candidate) => candidate.name === state.name);
      const windowMs = policy?.windowSeconds === undefined ? undefined : policy.windowSeconds * 1000;
      // without t, a used-up window is assumed to last a whole window from now
      const resetMs = state.resetSeconds === undefined ? windowMs : state.resetSeconds * 1000;
      return { name: state.name, remaining: state.remaining, resetAt: resetMs === undefined ? undefined : at + resetMs, quota: policy?.quota, windowMs };
    });
    this.last = Object.freeze({
      receivedAt: new Date(wallClock),
      policies: Object.freeze(policies.map((policy) => Object.freeze({ ...policy }))),
      states: Object.freeze(
        states.map((state) =>
          Object.freeze({ ...state, resetsAt: state.resetSeconds === undefined ? undefined : new Date(wallClock + state.resetSeconds * 1000) }),
        ),
      ),
    });
  }
}
