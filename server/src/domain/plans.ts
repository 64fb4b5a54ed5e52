// The plan catalogue. Paying is out of scope: choosing any plan activates it at once.

export interface Plan {
  id: string;
  name: string;
  monthlyPriceCents: number;
  /** Documents a month, or null for no cap. Informational: metering is out of scope. */
  monthlyDocumentQuota: number | null;
  /**
   * Seconds of renderer time (wall clock, from a batch's start to its end) the account's renders
   * may use per minute, with a minute's worth as the most it can save up. It is also the account's
   * weight when accounts' renders compete for the pool (rendering/fair-slots.ts).
   */
  renderSecondsPerMinute: number;
  /** Days the request log keeps each request of the account's tokens (domain/request-log.ts). */
  requestLogRetentionDays: number;
  /** The share of the service's per-token rate limits a token of this plan may use at most (token-rate-limits.ts). */
  tokenRateShare: number;
}

export const PLANS: readonly Plan[] = [
  { id: 'free', name: 'Free', monthlyPriceCents: 0, monthlyDocumentQuota: 100, renderSecondsPerMinute: 10, requestLogRetentionDays: 7, tokenRateShare: 0.25 },
  { id: 'pro', name: 'Pro', monthlyPriceCents: 2900, monthlyDocumentQuota: 10_000, renderSecondsPerMinute: 60, requestLogRetentionDays: 30, tokenRateShare: 1 },
  { id: 'business', name: 'Business', monthlyPriceCents: 9900, monthlyDocumentQuota: null, renderSecondsPerMinute: 120, requestLogRetentionDays: 30, tokenRateShare: 1 },
];

const FREE_PLAN = PLANS.find((plan) => plan.monthlyPriceCents === 0)!;

export function findPlan(planId: string): Plan | undefined {
  return PLANS.find((plan) => plan.id === planId);
}

export type MissingPlanReason = 'no-plan' | 'cancelled';

/**
 * The one rule for "is this account on a plan": generating and using tokens both ask it.
 * Returns why the account has no active plan, or null when it has one.
 */
export function missingPlanReason(account: { planId: string | null; planCancelledAt: Date | null }): MissingPlanReason | null {
  if (account.planCancelledAt) return 'cancelled';
  if (!account.planId || !findPlan(account.planId)) return 'no-plan';
  return null;
}

/** How an account's renders share the render pool with other accounts'. */
export interface RenderShare {
  /** Its render-time budget per minute, and its weight against other accounts (Plan.renderSecondsPerMinute). */
  secondsPerMinute: number;
  /** Whether it renders in the slice that free accounts share (freeSliceOf). */
  free: boolean;
}

/**
 * The render share of an account on `planId`. An account without a plan is refused before it
 * renders; were one to get here, or a plan id this catalogue no longer knows, it renders as free.
 */
export function renderShareOf(planId: string | null): RenderShare {
  const plan = (planId !== null && findPlan(planId)) || FREE_PLAN;
  return { secondsPerMinute: plan.renderSecondsPerMinute, free: plan.monthlyPriceCents === 0 };
}

/**
 * What free accounts together may hold of `total` (render slots, or bytes of the render queue):
 * half, rounded down, and at least 1. Sign-up is free, so any number of free accounts may be one
 * tenant; the other half is kept for paying accounts, so that they never wait behind free accounts'
 * renders that run to the timeout. A pool of one has no half to keep: free accounts share it with
 * everyone (the default pool has at least two slots).
 */
export function freeSliceOf(total: number): number {
  return Math.max(1, Math.floor(total / 2));
}

/** How long the request log keeps a request of an account on `planId`: the free plan's without a plan it knows. */
export function requestLogRetentionDaysOf(planId: string | null): number {
  return ((planId !== null && findPlan(planId)) || FREE_PLAN).requestLogRetentionDays;
}

/** The share of the service's per-token rate limits for an account on `planId`: the free plan's without a plan it knows. */
export function tokenRateShareOf(planId: string | null): number {
  return ((planId !== null && findPlan(planId)) || FREE_PLAN).tokenRateShare;
}
