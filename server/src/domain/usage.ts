// The usage the API shows: the account's current billing period and usage over time, per token
// or for the whole account. The rules (period, buckets, ranges) are in metering.ts.
import { TokenNotFoundError } from './errors.js';
import {
  alignUsageRange,
  billingPeriodOf,
  fillUsagePoints,
  hourlyRetentionCutoff,
  periodResetOf,
  quotaForecastWindowStart,
  quotaForecast,
  quotaOf,
  type PeriodUsage,
  type UsageGranularity,
  type UsagePoint,
} from './metering.js';
import type { TokenStore, UsageStore } from './ports.js';

/** Days rolled up per call of rollUpOldUsage: bounded work, and a backlog drains over calls. */
export const USAGE_ROLL_UP_MAX_DAYS = 7;

export class UsageService {
  constructor(
    private readonly store: UsageStore,
    private readonly tokens: Pick<TokenStore, 'findOwned'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The account's documents this billing period, its quota and when the period resets. */
  async currentPeriod(accountId: string): Promise<PeriodUsage> {
    const now = this.now();
    const period = billingPeriodOf(now);
    const { used, planId } = await this.store.periodUsage(accountId, period);
    return { period, used, quota: quotaOf(planId), resetsAt: periodResetOf(now) };
  }

  /** The day this period's quota runs out at the recent rate (metering.ts, quotaForecast); null if it does not. */
  async quotaForecast(accountId: string, period: PeriodUsage): Promise<Date | null> {
    if (period.quota === null) return null;
    const now = this.now();
    const recent = await this.store.hourly({ accountId }, quotaForecastWindowStart(now), now);
    return quotaForecast(period, recent.reduce((sum, bucket) => sum + bucket.documentCount, 0), now);
  }

  /**
   * Documents per hour or per day in [from, to), every bucket present. With a tokenId, that token's
   * (a deleted one's too); without, the account's. TOKEN_NOT_FOUND for another account's token.
   */
  async usage(accountId: string, query: { tokenId?: string | null; from: Date; to: Date; granularity: UsageGranularity }): Promise<UsagePoint[]> {
    const range = alignUsageRange(query.from, query.to, query.granularity);
    const tokenId = query.tokenId ?? undefined;
    if (tokenId !== undefined && !(await this.tokens.findOwned(accountId, tokenId))) throw new TokenNotFoundError();
    const subject = { accountId, tokenId };
    const recorded =
      query.granularity === 'HOUR'
        ? await this.store.hourly(subject, range.from, range.to)
        : await this.store.daily(subject, range.from, range.to);
    return fillUsagePoints(range, query.granularity, recorded);
  }

  /** Rolls hourly buckets older than the retention up into days. Returns the hourly rows removed. */
  rollUpOldUsage(): Promise<number> {
    return this.store.rollUpHoursBefore(hourlyRetentionCutoff(this.now()), USAGE_ROLL_UP_MAX_DAYS);
  }
}
