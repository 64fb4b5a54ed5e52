// The audit trail in the API: the auditEvents connection (newest first, filtered by type, token
// and time) and the leak a scanner reported on a token, for the dashboard's banner.
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
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

/**
 * One DataLoader per request (createContextCache keys it by the context). Its cache is off: a
 * subscription keeps its context for every event it delivers, and a cached token would show the
 * name it had at the first event. Batching is what it is for: the rows of a page ask for their
 * values in one tick, and the loader sends them as one read.
 */
function perRequestLoader<Key, Value>(load: (ctx: GraphQLContext, keys: readonly Key[]) => Promise<Array<Value | null>>) {
  return createContextCache((ctx: GraphQLContext) => new DataLoader<Key, Value | null>((keys) => load(ctx, keys), { cache: false }));
}

// A page of tokens asks for `leak` on each row: one statement for the page's leaks, not one per
// token (the tokens SQL-count tests hold it).
const leakLoader = perRequestLoader<string, AuditEventRecord>(async (ctx, tokenIds) => {
  const leaks = await ctx.services.audit.findLeaks([...new Set(tokenIds)]);
  return tokenIds.map((id) => leaks.get(id) ?? null);
});

// The token an event is about, for the leak banner, which reads the recent TOKEN_LEAKED events
// (bounded) rather than scanning the Deleted tab. Every event a request reads is the viewer's, so
// a batch is one read by owner; a token of any other account comes back null, never another
// account's row.
const eventTokenLoader = perRequestLoader<{ accountId: string; tokenId: string }, ApiTokenRecord>(async (ctx, keys) => {
  const byAccount = new Map<string, Set<string>>();
  for (const { accountId, tokenId } of keys) byAccount.set(accountId, (byAccount.get(accountId) ?? new Set()).add(tokenId));
  const found = new Map<string, Map<string, ApiTokenRecord>>();
  await Promise.all([...byAccount].map(async ([accountId, ids]) => found.set(accountId, await ctx.services.apiTokens.findOwnedTokens(accountId, [...ids]))));
  return keys.map(({ accountId, tokenId }) => found.get(accountId)?.get(tokenId) ?? null);
});

builder.objectField(AuditEventRef, 'token', (t) =>
  t.field({
    type: ApiTokenType,
    nullable: true,
    description: 'The token the event is about, active or deleted; null when the event is about no token.',
    resolve: (event, _args, ctx) => {
      if (!event.tokenId || !event.accountId) return null;
      return eventTokenLoader(ctx).load({ accountId: event.accountId, tokenId: event.tokenId });
    },
  }),
);

builder.objectField(ApiTokenType, 'leak', (t) =>
  t.field({
    type: TokenLeakRef,
    nullable: true,
    description: 'Set when a secret scanner reported this token leaked (the dashboard shows a banner).',
    resolve: async (token, _args, ctx) => {
      const event = await leakLoader(ctx).load(token.id);
      if (!event) return null;
      const details = JSON.parse(event.details ?? '{}') as { url?: string; source?: string };
      return { reportedAt: event.createdAt, url: details.url ?? '', source: details.source ?? '' };
    },
  }),
);
