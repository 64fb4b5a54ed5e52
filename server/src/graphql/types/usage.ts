// Metered usage: the account's current billing period and usage over time (domain/usage.ts).
import { quotaWarningAt, USAGE_HOURLY_RETENTION_DAYS, USAGE_MAX_POINTS, type PeriodUsage, type UsagePoint } from '../../domain/metering.js';
import { builder } from '../builder.js';
import { forScope } from '../authorization.js';
import { AccountType } from './account.js';
import { DocumentCountUpdate } from './api-token.js';

export const UsageGranularityEnum = builder.enumType('UsageGranularity', {
  description: 'The size of one usage bucket: an hour or a day, in UTC.',
  values: {
    HOUR: { description: `Hourly buckets, kept for ${USAGE_HOURLY_RETENTION_DAYS} days; a query covers at most ${USAGE_MAX_POINTS.HOUR} hours.` },
    DAY: { description: `Daily buckets, kept for good; a query covers at most ${USAGE_MAX_POINTS.DAY} days.` },
  } as const,
});

const UsagePointType = builder.objectRef<UsagePoint>('UsagePoint').implement({
  description: 'The documents made in one bucket. Buckets without documents are present with 0.',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: "The bucket's first instant (UTC)." }),
    documentCount: t.exposeInt('documentCount'),
  }),
});

const BillingPeriodType = builder.objectRef<PeriodUsage>('BillingPeriod').implement({
  description:
    "The account's billing period: the calendar month in UTC. Documents past the plan's quota are refused with QUOTA_EXCEEDED until resetsAt.",
  fields: (t) => ({
    period: t.exposeString('period', { description: 'The month, like "2026-12".' }),
    used: t.exposeInt('used', { description: 'Documents made this period, by every token of the account, deleted ones included.' }),
    quota: t.exposeInt('quota', { nullable: true, description: "The plan's documents per period; null means no cap." }),
    warningAt: t.int({
      nullable: true,
      description:
        'The usage from which the account is warned: 80% of the quota, rounded up (the QUOTA_WARNING event and the quota.warning webhook come with the document that reaches it). Null without a quota.',
      resolve: ({ quota }) => (quota === null ? null : quotaWarningAt(quota)),
    }),
    resetsAt: t.expose('resetsAt', { type: 'DateTime', description: 'When the next period starts and usage starts again from 0.' }),
  }),
});

builder.objectField(AccountType, 'quotaForecast', (t) =>
  t.field({
    type: 'DateTime',
    nullable: true,
    description:
      "When this billing period's quota runs out at the recent rate: the documents of the last 7 days ÷ 7 per day, carried forward. Null without a quota, without documents in those 7 days, once it ran out, or when at that rate it lasts until resetsAt.",
    resolve: async (account, _args, ctx) => ctx.services.usage.quotaForecast(account.id, await ctx.services.usage.currentPeriod(account.id)),
  }),
);

builder.objectField(AccountType, 'currentPeriod', (t) =>
  t.field({
    type: BillingPeriodType,
    description: "This billing period's usage against the plan's quota.",
    resolve: (account, _args, ctx) => ctx.services.usage.currentPeriod(account.id),
  }),
);

builder.queryFields((t) => ({
  usage: t.field({
    ...forScope('USAGE_READ'),
    type: [UsagePointType],
    description:
      'Documents per hour or per day in [from, to), every bucket present (0 when empty), for one token (deleted ones too) or, without tokenId, the whole account.',
    args: {
      tokenId: t.arg.id({ required: false }),
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
      granularity: t.arg({ type: UsageGranularityEnum }),
    },
    resolve: async (_root, { tokenId, from, to, granularity }, ctx) => {
      const account = await ctx.viewer();
      return ctx.services.usage.usage(account.id, { tokenId: tokenId === null || tokenId === undefined ? null : String(tokenId), from, to, granularity });
    },
  }),
}));

// The period meter moves with the same event as the token counts: one fan-out for both.
builder.objectFields(DocumentCountUpdate, (t) => ({
  period: t.string({
    nullable: true,
    description: 'The billing period this document counted in, like "2026-12".',
    resolve: (change) => change.period ?? null,
  }),
  periodDocumentCount: t.int({
    nullable: true,
    description: "The account's documents this billing period after this change; never lower than an earlier update of the same period.",
    resolve: (change) => change.periodDocumentCount ?? null,
  }),
}));
