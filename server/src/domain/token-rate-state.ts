// A token's rate limit and where a token stands in one window of it (token-rate-limits.ts), on
// their own so that what only names them (errors.ts's RateLimitedError, token-modes.ts) needs
// nothing of the rules.

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

/** Document requests per second and per minute. */
export interface TokenRatePolicy {
  perSecond: number;
  perMinute: number;
}
