// When and how long to wait before a retry.

export interface RetryPolicy {
  /** Retries after the first attempt; 0 turns retries off. */
  maxRetries: number;
  /** The first backoff's ceiling; each further one doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the ceiling fixed, half random. Clients that
 * failed together (a restart, a rate limit) spread out instead of retrying in step, and no wait is
 * near zero. `retry` counts from 0.
 */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * The wait a response asks for: Retry-After as seconds or as an HTTP date (RFC 9110), else the
 * GraphQL error's extensions.retryAfter. Undefined when neither says.
 */
export function retryAfterSecondsOf(header: string | null, extensionSeconds: unknown, now: number = Date.now()): number | undefined {
  if (header !== null) {
    const trimmed = header.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed);
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(0, (date - now) / 1000);
  }
  if (typeof extensionSeconds === 'number' && Number.isFinite(extensionSeconds) && extensionSeconds >= 0) return extensionSeconds;
  return undefined;
}

/**
 * Waits `ms`, measured on the monotonic clock: a timer may fire a little early (Node measures
 * from the event loop's cached time), and a Retry-After is a lower bound, so it waits again for
 * what is left. Rejects with the signal's reason when it aborts.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const until = performance.now() + ms;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let timer: ReturnType<typeof setTimeout>;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const arm = () => {
      const left = until - performance.now();
      if (left <= 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      timer = setTimeout(arm, Math.ceil(left));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}

/**
 * A signal that aborts once `ms` have passed on the monotonic clock, never sooner (see sleep;
 * AbortSignal.timeout can fire a little early). clear() stops it when the call is over.
 */
export function deadlineSignal(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const until = performance.now() + ms;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const left = until - performance.now();
    if (left <= 0) {
      controller.abort(new DOMException(`The call's deadline of ${ms} ms passed.`, 'TimeoutError'));
      return;
    }
    timer = setTimeout(arm, Math.ceil(left));
    // a pending deadline alone does not keep the process running
    timer.unref?.();
  };
  arm();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
