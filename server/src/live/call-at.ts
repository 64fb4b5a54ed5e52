// A live subscription ends when its session does, an instant that can be weeks away: further than
// setTimeout's longest wait (2^31-1 ms, about 24.8 days), past which Node fires at once. So the
// wait is taken in steps, each re-checked against the clock.

/** setTimeout's longest wait. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `onDue` once `at` has come by `now` (always from a timer, never synchronously), waiting in
 * steps past setTimeout's longest wait. The timer does not hold the process open. Returns a
 * function that cancels it.
 */
export function callAt(at: Date, onDue: () => void, now: () => number = Date.now): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = at.getTime() - now();
    timer = setTimeout(() => (at.getTime() > now() ? arm() : onDue()), Math.max(0, Math.min(left, MAX_TIMER_MS)));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
