export interface PlanOption {
  id: string;
  name: string;
  monthlyPriceCents: number;
  monthlyDocumentQuota?: number | null;
}

export const planPrice = (plan: PlanOption) =>
  plan.monthlyPriceCents === 0 ? '$0 / month' : `$${(plan.monthlyPriceCents / 100).toLocaleString()} / month`;

export const planQuota = (plan: PlanOption) =>
  plan.monthlyDocumentQuota == null
    ? 'Unlimited documents'
    : `${plan.monthlyDocumentQuota.toLocaleString()} documents / month`;
