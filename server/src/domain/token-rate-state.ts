// Where a token stands in one window of its rate limit (token-rate-limits.ts), on its own so that
// the error that carries it (errors.ts, RateLimitedError) needs nothing of the rules.

/** The RateLimit-Policy names of the two windows. */
export type TokenRateWindow = 'per-second' | 'per-minute';

/** One window of a token's rate limit as a request left it: what the RateLimit headers say. */
export interface TokenRateState {
  policy: TokenRateWindow;
  limit: number;
  windowSeconds: number;
  remaining: number;
  /** Seconds until the window starts again. */
  resetSeconds: number;
}
