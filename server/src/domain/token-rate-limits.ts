// A token's document rate limit: requests per second and per minute. The service sets the most any
// token may make (DOCUMENTS_PER_TOKEN_PER_SECOND and _PER_MINUTE), a plan a share of it (plans.ts),
// and each token may be set lower, never higher: a batch job's token limited so that a runaway
// loop cannot spend the quota in a minute, or a shared token kept from starving the others.
//
// Both windows are counted for every document request, together, by the window counter
// (rate-limits.ts), which is exact across instances with Redis; the limit is this token's,
// decided here. Where each window stands is what the RateLimit headers say
// (graphql/response-headers.ts).
import { DomainError, RateLimitedError } from './errors.js';
import { tokenRateShareOf } from './plans.js';
import type { RateLimiters } from './rate-limits.js';
import type { TokenRatePolicy, TokenRateState } from './token-rate-state.js';
import { TEST_MODE_RATE_LIMIT, type TokenMode } from './token-modes.js';

export type { TokenRatePolicy, TokenRateState };

/**
 * The most a token of an account on `planId` may make: its plan's share of the service's limits,
 * at least 1; in test mode no more than TEST_MODE_RATE_LIMIT either.
 */
export function tokenRateCeilingOf(planId: string | null, service: TokenRatePolicy, mode: TokenMode = 'LIVE'): TokenRatePolicy {
  const share = tokenRateShareOf(planId);
  const ofPlan = { perSecond: Math.max(1, Math.floor(service.perSecond * share)), perMinute: Math.max(1, Math.floor(service.perMinute * share)) };
  if (mode === 'LIVE') return ofPlan;
  return { perSecond: Math.min(ofPlan.perSecond, TEST_MODE_RATE_LIMIT.perSecond), perMinute: Math.min(ofPlan.perMinute, TEST_MODE_RATE_LIMIT.perMinute) };
}

/** A token's own limits where it has them, within its plan's ceiling (a plan changed down since lowers them too). */
export function tokenRatePolicyOf(
  token: { rateLimitPerSecond: number | null; rateLimitPerMinute: number | null; mode: string },
  planId: string | null,
  service: TokenRatePolicy,
): TokenRatePolicy {
  const ceiling = tokenRateCeilingOf(planId, service, token.mode as TokenMode);
  return {
    perSecond: Math.min(token.rateLimitPerSecond ?? ceiling.perSecond, ceiling.perSecond),
    perMinute: Math.min(token.rateLimitPerMinute ?? ceiling.perMinute, ceiling.perMinute),
  };
}

/** A limit asked for a token: a whole number from 1 to the plan's ceiling, or null for the ceiling itself. */
export function checkTokenRateLimit(value: number | null, window: keyof TokenRatePolicy, ceiling: TokenRatePolicy, mode: TokenMode = 'LIVE'): number | null {
  if (value === null) return null;
  const unit = window === 'perSecond' ? 'second' : 'minute';
  const whose = mode === 'TEST' ? 'test mode' : 'your plan';
  if (!Number.isInteger(value) || value < 1 || value > ceiling[window]) {
    throw new DomainError(
      'TOKEN_RATE_LIMIT_INVALID',
      `A token's rate limit per ${unit} must be a whole number from 1 to ${whose}'s ${ceiling[window]}, or none for ${whose}'s limit; ${value} is not.`,
    );
  }
  return value;
}

/**
 * Counts a document request of the token in both windows and says where each stands. Past either
 * limit it is RATE_LIMITED, with Retry-After the longer wait of the windows it is past. A refused
 * request stays counted in both, as any attempt does: taking a count back could land in a window
 * that has just started, and would let another request through in the instant between.
 */
export async function countTokenRequest(counters: Pick<RateLimiters, 'documentsPerToken'>, tokenId: string, policy: TokenRatePolicy): Promise<TokenRateState[]> {
  const counter = counters.documentsPerToken;
  // the counter's windows, in its order: one second, one minute
  const windows = [
    { policy: 'per-second', limit: policy.perSecond },
    { policy: 'per-minute', limit: policy.perMinute },
  ] as const;
  const counted = await counter.count(tokenId);
  const states = windows.map(({ policy: name, limit }, index): TokenRateState => {
    const { used, resetSeconds } = counted[index]!;
    return { policy: name, limit, windowSeconds: counter.windowsSeconds[index]!, remaining: Math.max(0, limit - used), resetSeconds };
  });
  if (windows.every(({ limit }, index) => counted[index]!.used <= limit)) return states;
  const retryAfter = Math.max(1, ...states.filter((_, index) => counted[index]!.used > windows[index]!.limit).map((state) => state.resetSeconds));
  throw new RateLimitedError(retryAfter, 'document requests with this API token', states);
}
