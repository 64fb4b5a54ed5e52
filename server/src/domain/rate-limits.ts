// What the domain needs from rate limiting. Implemented in rate-limiting/ (in memory, or in
// Redis so that every instance counts together).
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { RateLimitedError } from './errors.js';

/**
 * The key that a client address is limited under. One IPv6 subscriber usually holds a whole /64
 * (and can pick any address in it at will), so a /64 is one client; an IPv4 address is itself.
 * Expects a normalised address (http/client-address.ts). Lives here, not in http/, because the
 * domain keys its own throttles (the revoked-token audit events) the same way.
 */
export function rateLimitKeyOf(address: string): string {
  if (isIP(address) !== 6) return address;
  const prefix = ipaddr.IPv6.parse(address).parts.slice(0, 4);
  return `${prefix.map((group) => group.toString(16)).join(':')}::/64`;
}

/**
 * Counts requests per key in fixed windows of several lengths at once, one atomic increment of
 * them all (in Redis, exact across instances, in one round trip), and leaves the limits to the
 * caller: a token's document rate limit is its own (token-rate-limits.ts), so one counter serves
 * every limit.
 */
export interface WindowCounter {
  /** The windows' lengths, in the order that count() answers them. */
  readonly windowsSeconds: readonly number[];
  /** Counts one request of `key` in every window: each window's count with it, and the seconds until that window starts again. */
  count(key: string): Promise<ReadonlyArray<{ used: number; resetSeconds: number }>>;
}

export interface RateLimiter {
  /**
   * Uses one point of `key`, atomically, and says what is left; throws RateLimitedError when none
   * was left. There is deliberately no separate "check": a check followed later by a consume
   * lets every concurrent request through the check before the first one consumes.
   */
  consume(key: string): Promise<void>;
  /** Gives back one point that consume() took, when what it paid for turned out not to count. */
  refund(key: string): Promise<void>;
  /** Gives `key` its full allowance back. */
  reset(key: string): Promise<void>;
}

export interface RateLimiters {
  /** Failed sign-ins per account (email). */
  signInFailuresPerAccount: RateLimiter;
  /** Failed sign-ins per client address (an IPv6 /64 counts as one address). */
  signInFailuresPerIp: RateLimiter;
  /** Sign-ups per client address. */
  signUpsPerIp: RateLimiter;
  /** Failed API-token authentications per client address. */
  apiTokenFailuresPerIp: RateLimiter;
  /** Document requests per API token, in a one-second and a one-minute window, in that order (token-rate-limits.ts sets each token's limits). */
  documentsPerToken: WindowCounter;
  /** Token mutations (generate, roll, update, delete) per account: each writes a webhook message per endpoint. */
  tokenMutationsPerAccount: RateLimiter;
  /** Webhook endpoints created and messages retried by hand, per account (each makes outbound requests). */
  webhookRequestsPerAccount: RateLimiter;
  /** Verification links sent again, and address changes, per person: each sends mail. */
  mailLinksPerPerson: RateLimiter;
  /** Password reset requests per client address. */
  passwordResetsPerIp: RateLimiter;
  /** Reset links mailed per person: past it, a request is answered as always but sends nothing. */
  passwordResetsPerAddress: RateLimiter;
  /** REVOKED_TOKEN_PRESENTED events written per token (REVOKED_TOKEN_EVENTS_PER_TOKEN_PER_HOUR, audit.ts). */
  revokedTokenEventsPerToken: RateLimiter;
}

/**
 * Consumes one point from each limiter, or from none: when one refuses, the points the others
 * gave are refunded, so that an attempt refused by one limit does not count against another.
 */
export async function consumeEach(points: ReadonlyArray<readonly [RateLimiter, string]>): Promise<void> {
  const results = await Promise.allSettled(points.map(([limiter, key]) => limiter.consume(key)));
  const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (refused.length === 0) return;
  // a refund that fails only leaves the count one too high: the refusal is still the answer
  await Promise.all(
    points.map(([limiter, key], i) => (results[i]!.status === 'fulfilled' ? limiter.refund(key).catch(() => {}) : undefined)),
  );
  // the longest wait is the one that tells the client when trying again can work
  const limited = refused
    .map((result) => result.reason)
    .filter((reason): reason is RateLimitedError => reason instanceof RateLimitedError)
    .sort((a, b) => b.retryAfterSeconds - a.retryAfterSeconds);
  throw limited[0] ?? refused[0]!.reason;
}
