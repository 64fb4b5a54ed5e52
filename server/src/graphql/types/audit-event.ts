// The audit trail in the API: the auditEventConnection (newest first, filtered by type, token and
// time), its live feed, and the leak a scanner reported on a token, for the dashboard's banner.
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { AUDIT_EVENT_TYPES, decodeAuditCursor, encodeAuditCursor, MAX_AUDIT_PAGE_SIZE, type AuditEventRecord, type AuditEventType } from '../../domain/audit.js';
import { AuditCursorInvalidError } from '../../domain/errors.js';
import { builder } from '../builder.js';
import { forScope } from '../authorization.js';
import { forwardPage, refuseBackwardPaging } from '../connections.js';
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
    actorUserId: t.exposeString('actorUserId', { nullable: true, description: 'For a session: the person who acted (their account id).' }),
    actorEmail: t.exposeString('actorEmail', { nullable: true, description: 'For a session: the e-mail of the person who acted, as it was then.' }),
    tokenId: t.exposeID('tokenId', { nullable: true }),
    clientAddress: t.exposeString('clientAddress', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    details: t.exposeString('details', { nullable: true, description: 'The facts of this event as a JSON object (where a leak was found, the old and new name, ...).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

/** What `first` is when not given; the most a page holds is the domain's (MAX_AUDIT_PAGE_SIZE). */
const AUDIT_PAGE_DEFAULT = 50;

const NEW_CONNECTION = 'auditEventConnection';

/** A page as auditConnection returns it: its edges are an array, not any iterable a connection may have. */
type AuditConnectionPage = ReturnType<typeof forwardPage<AuditEventRecord>>;
const pageOf = (connection: unknown) => connection as AuditConnectionPage;

// One type for both query fields: the Relay shape (edges, pageInfo) that every paged list has, and
// the flat fields that auditEvents answered before it, read from the same page.
const AuditEventConnection = builder.connectionObject(
  {
    type: AuditEventRef,
    name: 'AuditEventConnection',
    fields: (t) => ({
      nodes: t.field({
        type: [AuditEventRef],
        deprecationReason: 'Read edges { node } (or edges { cursor node }).',
        resolve: (connection) => pageOf(connection).edges.map((edge) => edge.node),
      }),
      hasNextPage: t.boolean({ deprecationReason: 'Read pageInfo { hasNextPage }.', resolve: (connection) => pageOf(connection).pageInfo.hasNextPage }),
      endCursor: t.string({
        nullable: true,
        description: 'Pass as "after" for the next page.',
        deprecationReason: 'Read pageInfo { endCursor }.',
        resolve: (connection) => pageOf(connection).pageInfo.endCursor,
      }),
    }),
  },
  { name: 'AuditEventEdge' },
);

const auditFilterArgs = builder.args((t) => ({
  types: t.field({ type: [AuditEventTypeEnum], required: false }),
  tokenId: t.id({ required: false }),
  actorUserId: t.id({ required: false, description: 'Events by one person of the team (teamMembers lists their userId).' }),
  from: t.field({ type: 'DateTime', required: false, description: 'Events at or after this time.' }),
  to: t.field({ type: 'DateTime', required: false, description: 'Events before this time.' }),
}));

interface AuditPageArgs {
  first?: number | null;
  after?: string | null;
  types?: readonly AuditEventType[] | null;
  tokenId?: string | number | null;
  actorUserId?: string | number | null;
  from?: Date | null;
  to?: Date | null;
}

/** A page of the viewer's trail, as a connection; AUDIT_CURSOR_INVALID for a cursor it did not give out. */
async function auditConnection(ctx: GraphQLContext, args: AuditPageArgs) {
  const account = await ctx.viewer();
  const after = args.after ? decodeAuditCursor(args.after) : null;
  if (args.after && !after) throw new AuditCursorInvalidError();
  const filter = {
    types: args.types ?? undefined,
    tokenId: args.tokenId ? String(args.tokenId) : undefined,
    actorUserId: args.actorUserId ? String(args.actorUserId) : undefined,
    from: args.from ?? undefined,
    to: args.to ?? undefined,
  };
  const page = await ctx.services.audit.page(account.id, filter, args.first ?? AUDIT_PAGE_DEFAULT, after);
  return forwardPage(page.events, encodeAuditCursor, page.hasNextPage, args.after);
}

builder.queryFields((t) => ({
  [NEW_CONNECTION]: t.connection(
    {
      ...forScope('AUDIT_READ'),
      type: AuditEventRef,
      description: `The signed-in account's audit trail, newest first, a page at a time: pass \`first\` (default ${AUDIT_PAGE_DEFAULT}, at most ${MAX_AUDIT_PAGE_SIZE}; more is read as ${MAX_AUDIT_PAGE_SIZE}) and the previous page's \`pageInfo.endCursor\` as \`after\`. Only forward paging: \`last\` and \`before\` are refused. A cursor it did not give out is AUDIT_CURSOR_INVALID.`,
      args: auditFilterArgs,
      resolve: (_root, args, ctx) => {
        refuseBackwardPaging(args);
        return auditConnection(ctx, args);
      },
    },
    AuditEventConnection,
  ),
  auditEvents: t.field({
    ...forScope('AUDIT_READ'),
    type: AuditEventConnection,
    description: `The signed-in account's audit trail, newest first, at most ${MAX_AUDIT_PAGE_SIZE} a page.`,
    deprecationReason: `Use ${NEW_CONNECTION}: the same pages and filters, in the connection shape of every paged list (edges, pageInfo).`,
    args: {
      first: t.arg.int({ required: false, defaultValue: AUDIT_PAGE_DEFAULT }),
      after: t.arg.string({ required: false }),
      ...auditFilterArgs,
    },
    resolve: (_root, args, ctx) => auditConnection(ctx, args),
  }),
}));

builder.subscriptionFields((t) => ({
  auditEvents: t.field({
    type: AuditEventRef,
    description:
      "The signed-in account's audit events as they are recorded (after the change they record has committed), on whichever instance they happen. Optionally only some types. Ends with the session. The Activity view reads its first page with the auditEventConnection query and puts these on top.",
    args: { types: t.arg({ type: [AuditEventTypeEnum], required: false }) },
    subscribe: async (_root, { types }, ctx) => {
      // a dashboard session only, like the other live views: an API token is SESSION_REQUIRED
      const { team, session } = await ctx.watchingSession();
      return ctx.openAuditEvents({ accountId: team.id, types: types ?? undefined, session });
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
