// The request log in the API (domain/request-log.ts): requestConnection, every request a token
// made, newest first; and requestSummary, requests per hour or day by outcome, for the refusal chart.
import { decodeRequestLogCursor, encodeRequestLogCursor, MAX_REQUEST_LOG_PAGE_SIZE, type OutcomeCount, type RequestLogEntry, type RequestSummary, type RequestSummaryBucket } from '../../domain/request-log.js';
import { DomainError, RequestLogCursorInvalidError } from '../../domain/errors.js';
import { builder } from '../builder.js';
import { forScope } from '../authorization.js';
import { forwardPage, refuseBackwardPaging } from '../connections.js';
import { UsageGranularityEnum } from './usage.js';

const RequestLogEntryType = builder.objectRef<RequestLogEntry>('RequestLogEntry').implement({
  description: 'One HTTP request that presented an API token of the account, refused or not.',
  fields: (t) => ({
    id: t.exposeID('id'),
    tokenId: t.exposeID('tokenId'),
    at: t.expose('at', { type: 'DateTime', description: 'When it ended.' }),
    operation: t.exposeString('operation', { description: 'The root fields it ran, like "renderDocument".' }),
    outcome: t.exposeString('outcome', { description: 'OK, or the extensions.code it was refused with (API_TOKEN_IP_NOT_ALLOWED, QUOTA_EXCEEDED, RATE_LIMITED, RENDER_TIMEOUT, …).' }),
    httpStatus: t.exposeInt('httpStatus'),
    clientAddress: t.exposeString('clientAddress'),
    userAgent: t.exposeString('userAgent', { nullable: true, description: 'The first 200 characters of its User-Agent.' }),
    durationMs: t.exposeFloat('durationMs'),
    requestId: t.exposeString('requestId', { description: 'Its X-Request-Id, which the response carried and the service logs name.' }),
  }),
});

const RequestLogConnection = builder.connectionObject({ type: RequestLogEntryType, name: 'RequestLogConnection' }, { name: 'RequestLogEdge' });

const OutcomeCountType = builder.objectRef<OutcomeCount>('RequestOutcomeCount').implement({
  fields: (t) => ({
    outcome: t.exposeString('outcome', { description: 'The code the requests were refused with.' }),
    count: t.exposeInt('count'),
  }),
});

const SummaryBucketType = builder.objectRef<RequestSummaryBucket>('RequestSummaryBucket').implement({
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: "The bucket's first instant (UTC)." }),
    okCount: t.exposeInt('okCount'),
    refusals: t.field({ type: [OutcomeCountType], description: 'Refused requests by reason, most first.', resolve: (bucket) => bucket.refusals }),
  }),
});

const RequestSummaryType = builder.objectRef<RequestSummary>('RequestSummary').implement({
  description: 'Requests that presented the account’s tokens, by outcome. Exact even when the log dropped lines in a flood: the counts are kept apart.',
  fields: (t) => ({
    okCount: t.exposeInt('okCount'),
    refusedCount: t.exposeInt('refusedCount'),
    refusals: t.field({ type: [OutcomeCountType], description: 'Refused requests of the whole range by reason, most first.', resolve: (summary) => summary.refusals }),
    buckets: t.field({ type: [SummaryBucketType], description: 'Every bucket of the range, empty ones included.', resolve: (summary) => summary.buckets }),
  }),
});

const REQUEST_PAGE_DEFAULT = 50;
const MAX_OUTCOMES_FILTERED = 50;

builder.queryFields((t) => ({
  requestConnection: t.connection(
    {
      ...forScope('USAGE_READ'),
      type: RequestLogEntryType,
      description: `Every HTTP request that presented one of the account's API tokens (active, expired, rolled, disabled or deleted), refused ones included, newest first: pass \`first\` (default ${REQUEST_PAGE_DEFAULT}, at most ${MAX_REQUEST_LOG_PAGE_SIZE}) and the previous page's \`pageInfo.endCursor\` as \`after\`. Kept 7 days on the free plan and 30 on paid ones. Written in batches: a request shows here within a second of ending.`,
      args: {
        tokenId: t.arg.id({ required: false }),
        outcomes: t.arg.stringList({ required: false, description: 'Only these outcomes: OK or error codes.' }),
        refusedOnly: t.arg.boolean({ required: false, description: 'Only refused requests (every outcome but OK).' }),
        from: t.arg({ type: 'DateTime', required: false, description: 'Requests at or after this time.' }),
        to: t.arg({ type: 'DateTime', required: false, description: 'Requests before this time.' }),
      },
      resolve: async (_root, args, ctx) => {
        refuseBackwardPaging(args);
        // every code there is fits well under this; more is a request to make the database work
        if ((args.outcomes?.length ?? 0) > MAX_OUTCOMES_FILTERED) {
          throw new DomainError('BAD_USER_INPUT', `Filter by at most ${MAX_OUTCOMES_FILTERED} outcomes at once; leave outcomes out for all of them.`);
        }
        const account = await ctx.viewer();
        const after = args.after ? decodeRequestLogCursor(args.after) : null;
        if (args.after && !after) throw new RequestLogCursorInvalidError();
        const filter = {
          tokenId: args.tokenId == null ? undefined : String(args.tokenId),
          outcomes: args.outcomes ?? undefined,
          refusedOnly: args.refusedOnly ?? false,
          from: args.from ?? undefined,
          to: args.to ?? undefined,
        };
        const page = await ctx.services.requestLog.page(account.id, filter, args.first ?? REQUEST_PAGE_DEFAULT, after);
        return forwardPage(page.entries, encodeRequestLogCursor, page.hasNextPage, args.after);
      },
    },
    RequestLogConnection,
  ),
  requestSummary: t.field({
    ...forScope('USAGE_READ'),
    type: RequestSummaryType,
    description: 'Requests per hour or per day in [from, to), OK and refused by reason, for one token or, without tokenId, the whole account: the refusal chart. The same range rules as usage (USAGE_RANGE_INVALID).',
    args: {
      tokenId: t.arg.id({ required: false }),
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
      granularity: t.arg({ type: UsageGranularityEnum }),
    },
    resolve: async (_root, { tokenId, from, to, granularity }, ctx) => {
      const account = await ctx.viewer();
      return ctx.services.requestLog.summary(account.id, { tokenId: tokenId == null ? undefined : String(tokenId), from, to, granularity });
    },
  }),
}));

builder.subscriptionFields((t) => ({
  requestLogged: t.field({
    type: RequestLogEntryType,
    description:
      "The account's requests as the log writes them (in batches, within a second of each request ending), on whichever instance they were served; optionally one token's. Ends with the session. The Requests view reads its first page with requestConnection and puts these on top.",
    args: { tokenId: t.arg.id({ required: false }) },
    subscribe: async (_root, { tokenId }, ctx) => {
      // a dashboard session only, like the other live views
      const { team, session } = await ctx.watchingSession();
      return ctx.openRequestLog({ accountId: team.id, tokenId: tokenId == null ? undefined : String(tokenId), session });
    },
    resolve: (entry) => entry,
  }),
}));
