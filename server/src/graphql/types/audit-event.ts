// The audit trail in the API: the auditEvents connection (newest first, filtered by type, token
// and time) and the leak a scanner reported on a token, for the dashboard's banner.
import { AUDIT_EVENT_TYPES, decodeAuditCursor, MAX_AUDIT_PAGE_SIZE, type AuditEventRecord, type AuditPage } from '../../domain/audit.js';
import { AuditCursorInvalidError } from '../../domain/errors.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { ApiTokenType } from './api-token.js';
import type { ApiTokenRecord } from '../../domain/ports.js';

const AuditEventTypeEnum = builder.enumType('AuditEventType', {
  description: 'What happened. REVOKED_TOKEN_PRESENTED is recorded at most once per token, client address and clock hour (UTC).',
  values: AUDIT_EVENT_TYPES,
});

const AuditActorTypeEnum = builder.enumType('AuditActorType', {
  description: "Who caused the event: the account's SESSION, an API_TOKEN, the SYSTEM itself (expiry), or a secret SCANNER.",
  values: ['SESSION', 'API_TOKEN', 'SYSTEM', 'SCANNER'] as const,
});

const AuditEventRef = builder.objectRef<AuditEventRecord>('AuditEvent').implement({
  description: 'One entry of the append-only audit trail.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.field({ type: AuditEventTypeEnum, resolve: (event) => event.type }),
    actorType: t.field({ type: AuditActorTypeEnum, resolve: (event) => event.actorType }),
    actorId: t.exposeString('actorId', { nullable: true, description: "The session's or token's id, or the scanner key's identifier." }),
    tokenId: t.exposeID('tokenId', { nullable: true }),
    clientAddress: t.exposeString('clientAddress', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    details: t.exposeString('details', { nullable: true, description: 'The facts of this event as a JSON object (where a leak was found, the old and new name, ...).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AuditEventConnection = builder.objectRef<AuditPage>('AuditEventConnection').implement({
  fields: (t) => ({
    nodes: t.field({ type: [AuditEventRef], resolve: (page) => page.events }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass as "after" for the next page.' }),
  }),
});

builder.queryFields((t) => ({
  auditEvents: t.field({
    type: AuditEventConnection,
    description: `The signed-in account's audit trail, newest first, at most ${MAX_AUDIT_PAGE_SIZE} a page.`,
    args: {
      first: t.arg.int({ required: false, defaultValue: 50 }),
      after: t.arg.string({ required: false }),
      types: t.arg({ type: [AuditEventTypeEnum], required: false }),
      tokenId: t.arg.id({ required: false }),
      from: t.arg({ type: 'DateTime', required: false, description: 'Events at or after this time.' }),
      to: t.arg({ type: 'DateTime', required: false, description: 'Events before this time.' }),
    },
    resolve: async (_root, args, ctx) => {
      const account = await ctx.viewer();
      const after = args.after ? decodeAuditCursor(args.after) : null;
      if (args.after && !after) throw new AuditCursorInvalidError();
      return ctx.services.audit.page(
        account.id,
        { types: args.types ?? undefined, tokenId: args.tokenId ? String(args.tokenId) : undefined, from: args.from ?? undefined, to: args.to ?? undefined },
        args.first ?? 50,
        after,
      );
    },
  }),
}));

builder.subscriptionFields((t) => ({
  auditEvents: t.field({
    type: AuditEventRef,
    description:
      "The signed-in account's audit events as they are recorded (after the change they record has committed), on whichever instance they happen. Optionally only some types. Ends with the session. The Activity view reads its first page with the auditEvents query and appends these.",
    args: { types: t.arg({ type: [AuditEventTypeEnum], required: false }) },
    subscribe: async (_root, { types }, ctx) => {
      // a dashboard session only, like the other live views: an API token is SESSION_REQUIRED
      const { account, id, expiresAt } = await ctx.viewerSession();
      return ctx.openAuditEvents({ accountId: account.id, types: types ?? undefined, session: { id, expiresAt } });
    },
    resolve: (event) => event,
  }),
}));

interface TokenLeak {
  reportedAt: Date;
  url: string;
  source: string;
}

const TokenLeakRef = builder.objectRef<TokenLeak>('TokenLeak').implement({
  description: 'Where a secret scanner found this token in public. The token was revoked when it was reported.',
  fields: (t) => ({
    reportedAt: t.expose('reportedAt', { type: 'DateTime' }),
    url: t.exposeString('url', { description: 'The public URL of the match (may be empty).' }),
    source: t.exposeString('source', { description: 'The kind of place, as the scanner names it (content, commit, issue_comment, ...).' }),
  }),
});

// A page of tokens asks for `leak` on each row: the rows' lookups wait for the end of the tick and
// go out as one read, so a page costs one statement for its leaks, not one per token (the tokens
// SQL-count tests hold it). Per request: the WeakMap entry dies with the context.
const leakBatches = new WeakMap<GraphQLContext, (tokenId: string) => Promise<AuditEventRecord | null>>();

function leakOf(ctx: GraphQLContext, tokenId: string): Promise<AuditEventRecord | null> {
  return batchPerRequest(leakBatches, ctx, (ids) => ctx.services.audit.findLeaks(ids))(tokenId);
}

/**
 * One read per tick of whatever `load` is asked for, per request: a page of rows that each ask for
 * one key costs one statement, not one per row. Per request: the WeakMap entry dies with the context.
 */
function batchPerRequest<Value>(
  batches: WeakMap<GraphQLContext, (key: string) => Promise<Value | null>>,
  ctx: GraphQLContext,
  loadMany: (keys: string[]) => Promise<Map<string, Value>>,
): (key: string) => Promise<Value | null> {
  let load = batches.get(ctx);
  if (!load) {
    let pending: Map<string, Array<(value: Value | null, error?: unknown) => void>> | null = null;
    load = (key) =>
      new Promise((resolve, reject) => {
        if (!pending) {
          const batch = new Map<string, Array<(value: Value | null, error?: unknown) => void>>();
          pending = batch;
          queueMicrotask(() => {
            pending = null;
            loadMany([...batch.keys()]).then(
              (values) => batch.forEach((waiting, id) => waiting.forEach((settle) => settle(values.get(id) ?? null))),
              (error: unknown) => batch.forEach((waiting) => waiting.forEach((settle) => settle(null, error))),
            );
          });
        }
        const waiting = pending.get(key) ?? [];
        waiting.push((value, error) => (error === undefined ? resolve(value) : reject(error)));
        pending.set(key, waiting);
      });
    batches.set(ctx, load);
  }
  return load;
}

// The token an event is about, for the leak banner, which reads the recent TOKEN_LEAKED events
// (bounded) rather than scanning the Deleted tab. Every event a request reads is the viewer's, so
// one batch per request reads within the first event's account; a token of any other account
// would come back null (the read is by owner), never another account's row.
const eventTokenBatches = new WeakMap<GraphQLContext, (key: string) => Promise<ApiTokenRecord | null>>();

builder.objectField(AuditEventRef, 'token', (t) =>
  t.field({
    type: ApiTokenType,
    nullable: true,
    description: 'The token the event is about, active or deleted; null when the event is about no token.',
    resolve: async (event, _args, ctx) => {
      if (!event.tokenId || !event.accountId) return null;
      const accountId = event.accountId;
      const load = batchPerRequest(eventTokenBatches, ctx, (ids) => ctx.services.apiTokens.findOwnedTokens(accountId, ids));
      return load(event.tokenId);
    },
  }),
);

builder.objectField(ApiTokenType, 'leak', (t) =>
  t.field({
    type: TokenLeakRef,
    nullable: true,
    description: 'Set when a secret scanner reported this token leaked (the dashboard shows a banner).',
    resolve: async (token, _args, ctx) => {
      const event = await leakOf(ctx, token.id);
      if (!event) return null;
      const details = JSON.parse(event.details ?? '{}') as { url?: string; source?: string };
      return { reportedAt: event.createdAt, url: details.url ?? '', source: details.source ?? '' };
    },
  }),
);
