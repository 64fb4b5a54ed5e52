// Metering: the billing period, the account's document quota, and usage over time. The rules live
// here; persistence/metering-statements.ts enforces the quota inside the transaction that counts
// a document, and persistence/usage-store.ts keeps the buckets.
//
// The billing period is the calendar month in UTC, the same month a token's own monthly limit
// uses (token-restrictions.ts), so that both reset at the same instant and there is one month
// rule, not two. A month from when the plan was chosen would make every account's reset a
// different instant and a plan change move it; the calendar month is what the dashboard can say
// in one line ("resets Jan 1") and what a support person can reason about.
import { DomainError } from './errors.js';
import { findPlan } from './plans.js';
import { monthlyResetOf, monthOf } from './token-restrictions.js';

/** The billing period a document at this instant counts in, as stored: "2026-12". */
export const billingPeriodOf = monthOf;
/** When the period containing this instant ends and usage starts again from 0. */
export const periodResetOf = monthlyResetOf;

/** Hourly buckets are kept this long; older hours are rolled up into days (rollUpUsage). */
export const USAGE_HOURLY_RETENTION_DAYS = 90;
/** The longest range one usage query may ask for, in buckets: a year of days, 90 days of hours. */
export const USAGE_MAX_POINTS = { HOUR: USAGE_HOURLY_RETENTION_DAYS * 24, DAY: 366 } as const;

export type UsageGranularity = keyof typeof USAGE_MAX_POINTS;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const stepOf = (granularity: UsageGranularity) => (granularity === 'HOUR' ? HOUR_MS : DAY_MS);

/** The first instant of the bucket (UTC hour or day) holding `at`. */
export function bucketOf(at: Date, granularity: UsageGranularity): Date {
  const step = stepOf(granularity);
  return new Date(Math.floor(at.getTime() / step) * step);
}

/** The plan's monthly document quota, or null for none (Business, or an account without a plan). */
export function quotaOf(planId: string | null): number | null {
  return planId ? (findPlan(planId)?.monthlyDocumentQuota ?? null) : null;
}

/**
 * Whether the account has used every document of its plan's quota this period. Read before a
 * render, from the usage the token's lookup saw, so that a document sure to be refused does not
 * take a render slot; the count's transaction (CHARGE_PERIOD, metering-statements.ts) still
 * decides the last documents exactly: it counts one only while the period is under the quota.
 */
export function quotaUsedUp(planId: string | null, periodDocumentCount: number): boolean {
  const quota = quotaOf(planId);
  return quota !== null && periodDocumentCount >= quota;
}

export interface UsagePoint {
  /** The bucket's first instant. */
  at: Date;
  documentCount: number;
}

/**
 * Checks a usage range and returns it aligned to whole buckets: [from, to) with `from` rounded
 * down and `to` rounded up. Throws USAGE_RANGE_INVALID for an empty, reversed or too long range.
 */
export function alignUsageRange(from: Date, to: Date, granularity: UsageGranularity): { from: Date; to: Date } {
  if (!(to.getTime() > from.getTime())) {
    throw new DomainError('USAGE_RANGE_INVALID', 'The usage range must end after it starts.');
  }
  const step = stepOf(granularity);
  const start = bucketOf(from, granularity);
  const end = new Date(Math.ceil(to.getTime() / step) * step);
  const points = (end.getTime() - start.getTime()) / step;
  if (points > USAGE_MAX_POINTS[granularity]) {
    const most = granularity === 'HOUR' ? `${USAGE_HOURLY_RETENTION_DAYS} days by hour` : `${USAGE_MAX_POINTS.DAY} days by day`;
    throw new DomainError('USAGE_RANGE_INVALID', `A usage query covers at most ${most}; this one asks for ${points} points.`);
  }
  return { from: start, to: end };
}

/** One point per bucket of [from, to), 0 where nothing was recorded: a chart needs no gap filling. */
export function fillUsagePoints(range: { from: Date; to: Date }, granularity: UsageGranularity, recorded: readonly UsagePoint[]): UsagePoint[] {
  const step = stepOf(granularity);
  const from = range.from.getTime();
  // one slot per bucket, found by arithmetic: 2,160 hours are filled without a Map or a Date per
  // recorded row (the 90-day hourly query's budget is milliseconds; see bench/usage-workload.ts)
  const counts = new Array<number>(Math.max(0, Math.ceil((range.to.getTime() - from) / step))).fill(0);
  for (const { at, documentCount } of recorded) {
    const slot = Math.floor((at.getTime() - from) / step);
    if (slot >= 0 && slot < counts.length) counts[slot]! += documentCount;
  }
  return counts.map((documentCount, slot) => ({ at: new Date(from + slot * step), documentCount }));
}

/** The account's current billing period, as the API and the dashboard show it. */
export interface PeriodUsage {
  /** "2026-12" */
  period: string;
  used: number;
  /** The plan's quota, null for none. */
  quota: number | null;
  resetsAt: Date;
}

/** The days whose documents make the recent rate of a quota forecast. */
export const QUOTA_FORECAST_DAYS = 7;

/**
 * When this period's quota runs out at the recent rate: the documents of the last
 * QUOTA_FORECAST_DAYS days, divided by that many days, carried forward from now. None without a
 * quota, without documents in those days, once it has run out already, or when at that rate it
 * lasts until the period resets.
 */
export function quotaForecast(period: Pick<PeriodUsage, 'used' | 'quota' | 'resetsAt'>, recentDocuments: number, now: Date): Date | null {
  if (period.quota === null || recentDocuments <= 0) return null;
  const left = period.quota - period.used;
  if (left <= 0) return null;
  const perDay = recentDocuments / QUOTA_FORECAST_DAYS;
  const runsOut = new Date(now.getTime() + (left / perDay) * DAY_MS);
  return runsOut < period.resetsAt ? runsOut : null;
}

/** Where the forecast's recent days start at `now`: whole hours, as the usage buckets are. */
export const quotaForecastWindowStart = (now: Date): Date => bucketOf(new Date(now.getTime() - QUOTA_FORECAST_DAYS * DAY_MS), 'HOUR');

/** Hours before this instant are rolled up into days. */
export const hourlyRetentionCutoff = (now: Date): Date => bucketOf(new Date(now.getTime() - USAGE_HOURLY_RETENTION_DAYS * DAY_MS), 'DAY');

/** The share of the quota at which the account is warned (QUOTA_WARNING, the quota.warning webhook). */
export const QUOTA_WARNING_PERCENT = 80;

export type QuotaEventType = 'QUOTA_WARNING' | 'QUOTA_REACHED';

/** The count at which the warning is due: the first document at or over 80% of the quota. */
export const quotaWarningAt = (quota: number) => Math.ceil((quota * QUOTA_WARNING_PERCENT) / 100);

/**
 * The quota events the document that took the period's usage to `used` records: the warning at
 * 80%, the wall at 100%. Equality, not "at or over": usage only grows within a period, so exactly
 * one document of the period meets each, and no read is needed to know whether it was said before.
 */
export function quotaEventsOfDocument(used: number, quota: number | null): QuotaEventType[] {
  if (quota === null) return [];
  const events: QuotaEventType[] = [];
  if (used === quotaWarningAt(quota)) events.push('QUOTA_WARNING');
  if (used === quota) events.push('QUOTA_REACHED');
  return events;
}

/**
 * A plan change can move the wall past what was already used: a downgrade below the period's
 * usage blocks the next document at once, and the account (and its webhooks) must hear that now,
 * from the change, not never (no later document can meet the threshold by equality any more).
 * The one most severe event that applies.
 */
export function quotaEventOfPlanChange(used: number, quota: number | null): QuotaEventType | null {
  if (quota === null || used === 0) return null;
  if (used >= quota) return 'QUOTA_REACHED';
  return used >= quotaWarningAt(quota) ? 'QUOTA_WARNING' : null;
}

/**
 * Once per account, period, event and quota: under one plan, exactly once a period on every
 * instance (the dedupe key's unique index decides). The quota is part of the key because a plan
 * change moves the wall, and a warning about the old wall says nothing about the new one.
 */
export const quotaEventKey = (type: QuotaEventType, accountId: string, period: string, quota: number) =>
  `quota:${type}:${accountId}:${period}:${quota}`;
