// What the domain needs from rate limiting. Implemented in rate-limiting/ (in memory, or in
// Redis so that every instance counts together).
export interface RateLimiter {
  /** Uses one point of `key`; throws RateLimitedError when none is left. */
  consume(key: string): Promise<void>;
  /** Throws RateLimitedError when `key` has no point left; uses none. */
  check(key: string): Promise<void>;
  /** Gives `key` its full allowance back. */
  reset(key: string): Promise<void>;
}

export interface RateLimiters {
  /** Failed sign-ins per account (email). */
  signInFailuresPerAccount: RateLimiter;
  /** Failed sign-ins per client address. */
  signInFailuresPerIp: RateLimiter;
  /** Failed API-token authentications per client address. */
  apiTokenFailuresPerIp: RateLimiter;
  /** Documents per API token. */
  documentsPerToken: RateLimiter;
}
