export interface PlanOption {
  id: string;
  name: string;
  monthlyPriceCents: number;
  monthlyDocumentQuota?: number | null;
}

export const planPrice = (plan: PlanOption) =>
  plan.monthlyPriceCents === 0 ? '$0 / month' : `$${(plan.monthlyPriceCents / 100).toLocaleString()} / month`;

/**
 * The plan to offer when the quota runs short: the cheapest one with a larger quota (or none),
 * e.g. Pro for Free. Null when there is nothing larger.
 */
export function upgradeFrom(plans: readonly PlanOption[], current: PlanOption): PlanOption | null {
  const quota = current.monthlyDocumentQuota;
  if (quota == null) return null;
  const larger = plans.filter((plan) => plan.monthlyDocumentQuota == null || plan.monthlyDocumentQuota > quota);
  return larger.sort((a, b) => a.monthlyPriceCents - b.monthlyPriceCents)[0] ?? null;
}

export const planQuota = (plan: PlanOption) =>
  plan.monthlyDocumentQuota == null
    ? 'Unlimited documents'
    : `${plan.monthlyDocumentQuota.toLocaleString()} documents / month`;
