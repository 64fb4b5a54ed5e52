// The plan catalogue. Paying is out of scope: choosing any plan activates it at once.

export interface Plan {
  id: string;
  name: string;
  monthlyPriceCents: number;
  /** Documents a month, or null for no cap. Informational: metering is out of scope. */
  monthlyDocumentQuota: number | null;
}

export const PLANS: readonly Plan[] = [
  { id: 'free', name: 'Free', monthlyPriceCents: 0, monthlyDocumentQuota: 100 },
  { id: 'pro', name: 'Pro', monthlyPriceCents: 2900, monthlyDocumentQuota: 10_000 },
  { id: 'business', name: 'Business', monthlyPriceCents: 9900, monthlyDocumentQuota: null },
];

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
