// The downgrade guard (issue #25, D1): a plan whose monthly quota this period's usage has reached,
// or nearly, is chosen only after the page has said what will stop. Without it, Pro → Free with
// 104 documents used switched in one click, and the integration found out from QUOTA_EXCEEDED.
import type { PeriodUsage } from './period-meter';
import { resetDay } from './period-meter';
import type { PlanOption } from './plan-format';

/**
 * "Within 20%" of the new quota: 80% of it, rounded up, the share from which the server warns
 * about the plan held (BillingPeriod.warningAt). The server gives that threshold only for the
 * plan held, so for a plan not yet chosen it is worked out here.
 */
const NEAR_SHARE = 0.8;

export interface QuotaRisk {
  /** Refused from the next document (`over`), or after `left` more (`near`). */
  kind: 'over' | 'near';
  used: number;
  quota: number;
  left: number;
  /** "Jan 1": when the period resets, as the period meter says it (UTC). */
  resets: string;
}

/** What choosing `plan` would do to this period's documents; null when nothing stops soon. */
export function quotaRisk(usage: PeriodUsage | null | undefined, plan: PlanOption): QuotaRisk | null {
  const quota = plan.monthlyDocumentQuota;
  if (!usage || quota == null) return null;
  const { used } = usage;
  if (used < Math.ceil(quota * NEAR_SHARE)) return null;
  return { kind: used >= quota ? 'over' : 'near', used, quota, left: Math.max(0, quota - used), resets: resetDay(usage.resetsAt) };
}

/**
 * Whether `plan` has a smaller quota than `current`, the case where this period's usage must be
 * read afresh before deciding (a live count can lag, and cannot move while the plan is cancelled).
 */
export function lowersQuota(plan: PlanOption, current: PlanOption | null): boolean {
  if (!current || plan.monthlyDocumentQuota == null) return false;
  return current.monthlyDocumentQuota == null || plan.monthlyDocumentQuota < current.monthlyDocumentQuota;
}

/** The sentence that says it: usage against the new quota, and what will stop until when. */
export function QuotaGuardNotice({ risk, plan }: { risk: QuotaRisk; plan: PlanOption }) {
  const used = `${risk.used.toLocaleString()} documents used this month; ${plan.name} allows ${risk.quota.toLocaleString()}`;
  return (
    <>
      <p class="notice" data-testid="quota-guard">
        <strong>{used}:</strong>{' '}
        {risk.kind === 'over'
          ? `documents will be refused with QUOTA_EXCEEDED until ${risk.resets}.`
          : `after ${risk.left.toLocaleString()} more, documents will be refused with QUOTA_EXCEEDED until ${risk.resets}.`}
      </p>
      <p>
        {risk.kind === 'over'
          ? `Every API call that makes a document fails (HTTP 429) from the next one, until the quota resets on ${risk.resets}.`
          : `Calls that make documents start failing (HTTP 429) once the ${plan.name} quota is reached, until it resets on ${risk.resets}.`}{' '}
        Cancel to keep your current plan.
      </p>
    </>
  );
}
