// The ApiToken type with its queries, mutations and subscription, next to it as the Pothos layout keeps
// them. (Over 200 lines: generate, roll, update and delete each add their arguments here.)
import { TOKEN_MODES, type TokenMode } from '../../domain/token-modes.js';
import type { TokenRatePolicy } from '../../domain/token-rate-limits.js';
import { DomainError, PlanRequiredError } from '../../domain/errors.js';
import { IP_ALLOWLIST_MAX_ENTRIES, parseStoredIpAllowlist } from '../../domain/token-restrictions.js';
import { missingPlanReason } from '../../domain/plans.js';
import type { ApiTokenRecord } from '../../domain/ports.js';
import {
  expiryChoiceOf,
  ROLL_GRACE_PERIODS_MS,
  TOKEN_EXPIRY_MAX_DAYS,
  TOKEN_EXPIRY_PRESETS,
  type RollGracePeriod,
  type TokenExpiryPreset,
} from '../../domain/token-lifecycle.js';
import { MAX_ACTIVE_TOKENS, TOKEN_NAME_MAX_LENGTH } from '../../domain/token-rules.js';
import { TOKEN_LIST_MAX } from '../../domain/token-pages.js';
import { DEFAULT_TOKEN_SCOPES, scopesOf, TOKEN_SCOPES, type TokenScope } from '../../domain/token-scopes.js';
import { builder } from '../builder.js';
import { tokenCallerOf } from '../audit-actor.js';
import { forAnyone, forScope } from '../authorization.js';
import type { DocumentCountChange } from '../../live/events.js';

export const TokenStatusEnum = builder.enumType('TokenStatus', {
  description: 'The two tabs of the API Tokens page (ACTIVE, DELETED), and the expired tokens the DELETED tab also lists.',
  values: {
    ACTIVE: { description: 'Currently usable tokens.' },
    DELETED: { description: 'Previously deleted tokens, kept for audit, and expired ones (as a tab). They never work again.' },
    EXPIRED: { description: 'Tokens past their expiresAt. They never work again and no longer count toward the limit.' },
  } as const,
});

const TokenExpiryEnum = builder.enumType('TokenExpiry', {
  description: `When a new token expires: never (the default) or a number of days after it is generated. generateToken also takes a date up to ${TOKEN_EXPIRY_MAX_DAYS} days ahead.`,
  values: Object.keys(TOKEN_EXPIRY_PRESETS) as TokenExpiryPreset[],
});

export const TokenScopeEnum = builder.enumType('TokenScope', {
  description: 'What an API token may do. With Authorization: Bearer <token>, a token calls exactly the operations its scopes allow, in its own account.',
  values: Object.fromEntries(Object.entries(TOKEN_SCOPES).map(([name, description]) => [name, { description }])) as Record<TokenScope, { description: string }>,
});

const RollGracePeriodEnum = builder.enumType('RollGracePeriod', {
  description: 'How long the secret a roll replaces keeps working. NONE stops it at once (for a leaked secret).',
  values: Object.keys(ROLL_GRACE_PERIODS_MS) as RollGracePeriod[],
});

// Built on the domain's ApiTokenRecord rather than the Prisma model: the record has no
// secret hash and no limit slot, so no field can ever expose them.
const PreviousSecretUseType = builder.objectRef<ApiTokenRecord>('PreviousSecretUse').implement({
  description: 'The previous secret’s use during a roll’s grace period: what still has to move to the new secret.',
  fields: (t) => ({
    documentCount: t.exposeInt('previousSecretUseCount', { description: 'Documents made with the previous secret since the roll.' }),
    lastUsedAt: t.expose('previousSecretLastUsedAt', { type: 'DateTime', nullable: true }),
    lastUsedAddress: t.exposeString('previousSecretLastUsedAddress', { nullable: true }),
    lastUsedUserAgent: t.exposeString('previousSecretLastUsedUserAgent', { nullable: true }),
  }),
});

const TokenModeEnum = builder.enumType('TokenMode', {
  description: 'LIVE tokens make real documents. TEST tokens (secrets start pgd_test_) are for test suites and CI: their documents carry a watermark, use none of the quota, and have a small rate limit (10 a second, 300 a minute). Chosen when a token is made; never changed, not even by a roll.',
  values: TOKEN_MODES,
});

const TokenRateLimitType = builder.objectRef<TokenRatePolicy>('TokenRateLimit').implement({
  description: 'Document requests per second and per minute.',
  fields: (t) => ({
    perSecond: t.exposeInt('perSecond'),
    perMinute: t.exposeInt('perMinute'),
  }),
});

export const ApiTokenType = builder.objectRef<ApiTokenRecord>('ApiToken').implement({
  description: 'An API token. Its secret is shown once, when it is generated, and never again.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    preview: t.exposeString('preview', {
      description: 'A non-secret display form, e.g. "pgd_7Fq2…k3Zx", to tell tokens apart.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    documentCount: t.exposeInt('documentCount', { description: 'Documents processed using this token.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    lastUsedAddress: t.exposeString('lastUsedAddress', {
      nullable: true,
      description: 'The client address of the last document (with TRUST_PROXY, as the proxies said).',
    }),
    lastUsedUserAgent: t.exposeString('lastUsedUserAgent', { nullable: true, description: 'The User-Agent of the last document.' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
    previousSecretUse: t.field({
      type: PreviousSecretUseType,
      nullable: true,
      description: 'While a roll’s grace period runs: who still sends the previous secret (its documents since the roll, and the last one). Null when no grace period runs.',
      resolve: (token, _args, ctx) => (ctx.services.apiTokens.previousSecretWorksUntil(token) ? token : null),
    }),
    disabledAt: t.expose('disabledAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Since when the token is disabled (disableToken): refused with API_TOKEN_DISABLED, while it keeps its slot in the Active tab. Null while enabled.',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When the token stops working; null: never.' }),
    previousSecretWorksUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'While the secret that the last roll replaced still works: when it stops.',
      resolve: (token, _args, ctx) => ctx.services.apiTokens.previousSecretWorksUntil(token),
    }),
    allowedIps: t.stringList({
      description: `The IPv4 and IPv6 CIDRs documents may come from (at most ${IP_ALLOWLIST_MAX_ENTRIES}); empty: any address.`,
      resolve: (token) => parseStoredIpAllowlist(token.allowedIps),
    }),
    monthlyDocumentLimit: t.exposeInt('monthlyDocumentLimit', {
      nullable: true,
      description: "Documents this token may make per calendar month (UTC), at most the plan's quota; null: no limit of its own.",
    }),
    mode: t.field({ type: TokenModeEnum, resolve: (token) => token.mode as TokenMode }),
    rateLimitPerSecond: t.exposeInt('rateLimitPerSecond', { nullable: true, description: "Document requests this token may make per second, set lower than its plan's; null: the plan's." }),
    rateLimitPerMinute: t.exposeInt('rateLimitPerMinute', { nullable: true, description: "Document requests this token may make per minute, set lower than its plan's; null: the plan's." }),
    rateLimit: t.field({
      type: TokenRateLimitType,
      description: 'The rate limit its documents are held to now: its own where set, within its plan’s. What the RateLimit-Policy header of each document answer says.',
      resolve: async (token, _args, ctx) => ctx.services.apiTokens.rateLimitOf(token, (await ctx.viewer()).planId),
    }),
    rateLimitCeiling: t.field({
      type: TokenRateLimitType,
      description: 'The most its rate limit may be set to: its plan’s.',
      resolve: async (token, _args, ctx) => ctx.services.apiTokens.rateLimitCeiling((await ctx.viewer()).planId, token),
    }),
    documentsThisMonth: t.int({
      description: 'Documents made with this token in the current calendar month (UTC).',
      resolve: (token, _args, ctx) => ctx.services.apiTokens.documentsThisMonth(token),
    }),
    scopes: t.field({
      type: [TokenScopeEnum],
      resolve: (token) => scopesOf(token.scopes),
    }),
    status: t.field({
      type: TokenStatusEnum,
      resolve: (token, _args, ctx) => (token.deletedAt ? 'DELETED' : ctx.services.apiTokens.isExpired(token) ? 'EXPIRED' : 'ACTIVE'),
    }),
  }),
});

const GeneratedTokenPayload = builder
  .objectRef<{ token: ApiTokenRecord; secret: string }>('GeneratedToken')
  .implement({
    fields: (t) => ({
      token: t.field({ type: ApiTokenType, resolve: (payload) => payload.token }),
      secret: t.exposeString('secret', {
        description: 'The token itself. This is the only time it is shown: store it somewhere safe now.',
      }),
    }),
  });

const TokenRules = builder.objectRef<{ nameMaxLength: number; maxActiveTokens: number }>('TokenRules').implement({
  description: 'The rules generateToken enforces, for forms to check before they submit.',
  fields: (t) => ({
    nameMaxLength: t.exposeInt('nameMaxLength', {
      description: 'Maximum name length in Unicode code points, after trimming. The minimum is 1.',
    }),
    maxActiveTokens: t.exposeInt('maxActiveTokens', { description: "Deleted and expired tokens don't count." }),
  }),
});

export const DocumentCountUpdate = builder.objectRef<DocumentCountChange>('DocumentCountUpdate').implement({
  fields: (t) => ({
    tokenId: t.exposeID('tokenId'),
    documentCount: t.exposeInt('documentCount'),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryFields((t) => ({
  tokens: t.field({
    ...forScope('TOKENS_READ'),
    type: [ApiTokenType],
    description: `The signed-in account's tokens for one tab: ACTIVE newest first, DELETED most recently deleted first. At most the ${TOKEN_LIST_MAX} newest of a tab; tokenConnection pages through all of them.`,
    args: { status: t.arg({ type: TokenStatusEnum, required: false, defaultValue: 'ACTIVE' }) },
    resolve: async (_root, { status }, ctx) => {
      const account = await ctx.viewer();
      return ctx.services.apiTokens.listTokens(account.id, status ?? 'ACTIVE');
    },
  }),
  token: t.field({
    ...forScope('TOKENS_READ'),
    type: ApiTokenType,
    description: "One of the signed-in account's tokens, active or deleted.",
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => {
      const account = await ctx.viewer();
      return ctx.services.apiTokens.findOwnedToken(account.id, String(id));
    },
  }),
  tokenRules: t.field({
    ...forAnyone,
    type: TokenRules,
    resolve: () => ({ nameMaxLength: TOKEN_NAME_MAX_LENGTH, maxActiveTokens: MAX_ACTIVE_TOKENS }),
  }),
}));

builder.mutationFields((t) => ({
  generateToken: t.field({
    ...forScope('TOKENS_WRITE'),
    type: GeneratedTokenPayload,
    description: `Generates an API token. Needs an active plan; the name is 1-${TOKEN_NAME_MAX_LENGTH} characters; at most ${MAX_ACTIVE_TOKENS} tokens can be active. An API token with TOKENS_WRITE may call it, and give only scopes it holds itself.`,
    args: {
      name: t.arg.string(),
      scopes: t.arg({ type: [TokenScopeEnum], required: false, description: `What the token may do; ${DEFAULT_TOKEN_SCOPES.join(', ')} by default.` }),
      expiresIn: t.arg({ type: TokenExpiryEnum, required: false, description: 'A preset expiry; NEVER by default.' }),
      mode: t.arg({ type: TokenModeEnum, required: false, description: 'LIVE by default; TEST for a test suite (a pgd_test_ secret, watermarked documents, no quota used).' }),
      allowedIps: t.arg.stringList({ required: false, description: `An IP allowlist set with the token (at most ${IP_ALLOWLIST_MAX_ENTRIES} CIDRs or addresses); none: any address.` }),
      monthlyDocumentLimit: t.arg.int({ required: false, description: "A monthly document limit set with the token, at most the plan's quota; none: no limit of its own." }),
      expiresAt: t.arg({
        type: 'DateTime',
        required: false,
        description: `A custom expiry, up to ${TOKEN_EXPIRY_MAX_DAYS} days ahead. Not together with expiresIn.`,
      }),
    },
    resolve: async (_root, { name, expiresIn, expiresAt, scopes, mode, allowedIps, monthlyDocumentLimit }, ctx) => {
      const account = await ctx.viewer();
      const request = {
        name,
        expiry: expiryChoiceOf(expiresIn, expiresAt),
        scopes: scopes ?? undefined,
        mode: mode ?? undefined,
        allowedIps: allowedIps ?? undefined,
        monthlyDocumentLimit: monthlyDocumentLimit ?? undefined,
      };
      return ctx.services.apiTokens.asLimitedMutation(account.id, async () => ctx.services.apiTokens.generateToken(account, request, await tokenCallerOf(ctx)));
    },
  }),
  updateToken: t.field({
    ...forScope('TOKENS_WRITE'),
    type: ApiTokenType,
    description: `Renames a token (1-${TOKEN_NAME_MAX_LENGTH} characters) or edits its restrictions or scopes. An argument left out stays as it is; null (or an empty allowlist) removes the restriction. An API token changes only tokens whose scopes it holds, and gives only those.`,
    args: {
      id: t.arg.id(),
      name: t.arg.string({ required: false }),
      allowedIps: t.arg.stringList({ required: false, description: `At most ${IP_ALLOWLIST_MAX_ENTRIES} IPv4 or IPv6 CIDRs (or single addresses).` }),
      monthlyDocumentLimit: t.arg.int({ required: false }),
      rateLimitPerSecond: t.arg.int({ required: false, description: "Document requests per second, from 1 to the plan's (rateLimitCeiling); null: the plan's." }),
      rateLimitPerMinute: t.arg.int({ required: false, description: "Document requests per minute, from 1 to the plan's (rateLimitCeiling); null: the plan's." }),
      scopes: t.arg({ type: [TokenScopeEnum], required: false, description: 'The whole new set of scopes; at least one.' }),
    },
    resolve: async (_root, { id, name, allowedIps, monthlyDocumentLimit, rateLimitPerSecond, rateLimitPerMinute, scopes }, ctx) => {
      if (name === null) throw new DomainError('TOKEN_NAME_REQUIRED', 'A token always has a name; leave name out to keep it.');
      if (scopes === null) throw new DomainError('TOKEN_SCOPES_INVALID', 'A token always has at least one scope; leave scopes out to keep them.');
      const account = await ctx.viewer();
      return ctx.services.apiTokens.asLimitedMutation(account.id, async () =>
        ctx.services.apiTokens.updateToken(account, String(id), { name, allowedIps, monthlyDocumentLimit, rateLimitPerSecond, rateLimitPerMinute, scopes }, await tokenCallerOf(ctx)));
    },
  }),
  changeTokenExpiry: t.field({
    ...forScope('TOKENS_WRITE'),
    type: ApiTokenType,
    description: `Moves a token's expiry later or sooner: a date in the future up to ${TOKEN_EXPIRY_MAX_DAYS} days ahead, or null for never. Only a token of the Active tab (TOKEN_NOT_ACTIVE otherwise); an API token sets no expiry later than its own. Its 7-day and 1-day notices come again for the new date.`,
    args: { id: t.arg.id(), expiresAt: t.arg({ type: 'DateTime', required: false, description: 'The new expiry; null: never.' }) },
    resolve: async (_root, { id, expiresAt }, ctx) => {
      // left out is not "never": a script that forgot the date must not make a token live for good
      if (expiresAt === undefined) throw new DomainError('TOKEN_EXPIRY_REQUIRED', 'Give expiresAt: the new expiry date, or null for a token that never expires.');
      const account = await ctx.viewer();
      return ctx.services.apiTokens.asLimitedMutation(account.id, async () =>
        ctx.services.apiTokens.changeExpiry(account.id, String(id), expiresAt, await tokenCallerOf(ctx)));
    },
  }),
  rollToken: t.field({
    ...forScope('TOKENS_WRITE'),
    type: GeneratedTokenPayload,
    description:
      'Gives a token a new secret, shown once in this result: same id, name, count and history. The secret it replaces works until the grace period ends; a secret replaced earlier stops at once.',
    args: { id: t.arg.id(), gracePeriod: t.arg({ type: RollGracePeriodEnum }) },
    resolve: async (_root, { id, gracePeriod }, ctx) => {
      const account = await ctx.viewer();
      return ctx.services.apiTokens.asLimitedMutation(account.id, async () => ctx.services.apiTokens.rollToken(account.id, String(id), gracePeriod, await tokenCallerOf(ctx)));
    },
  }),
  endGracePeriod: t.field({
    ...forScope('TOKENS_WRITE'),
    type: ApiTokenType,
    description: 'Ends a roll’s grace period now: the previous secret is refused from the next request (API_TOKEN_ROLLED). Check previousSecretUse first: it shows who still sends it.',
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => {
      const account = await ctx.viewer();
      return ctx.services.apiTokens.asLimitedMutation(account.id, async () => ctx.services.apiTokens.endGracePeriod(account.id, String(id), await tokenCallerOf(ctx)));
    },
  }),
  disableToken: t.field({
    ...forScope('TOKENS_WRITE'),
    type: ApiTokenType,
    description: 'Disables a token of the Active tab: it is refused at once (401 API_TOKEN_DISABLED) but keeps its slot, secret and history. enableToken undoes it. Doing it twice changes nothing.',
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => {
      const account = await ctx.viewer();
      return ctx.services.apiTokens.asLimitedMutation(account.id, async () => ctx.services.apiTokens.disableToken(account.id, String(id), await tokenCallerOf(ctx)));
    },
  }),
  enableToken: t.field({
    ...forScope('TOKENS_WRITE'),
    type: ApiTokenType,
    description: 'Enables a disabled token: its secret works again as it did.',
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => {
      const account = await ctx.viewer();
      return ctx.services.apiTokens.asLimitedMutation(account.id, async () => ctx.services.apiTokens.enableToken(account.id, String(id), await tokenCallerOf(ctx)));
    },
  }),
  deleteToken: t.field({
    ...forScope('TOKENS_WRITE'),
    type: ApiTokenType,
    description: 'Deletes a token. It stops working at once and cannot be restored; it moves to the DELETED tab.',
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => {
      const account = await ctx.viewer();
      return ctx.services.apiTokens.asLimitedMutation(account.id, async () => ctx.services.apiTokens.deleteToken(account.id, String(id), await tokenCallerOf(ctx)));
    },
  }),
}));

builder.subscriptionFields((t) => ({
  documentCount: t.field({
    type: DocumentCountUpdate,
    description:
      "Live document counts: the current count of each token first, then every change. With tokenId, one token; without, every active token of the account.",
    args: { tokenId: t.arg.id({ required: false }) },
    subscribe: async (_root, { tokenId }, ctx) => {
      const { team: account, session } = await ctx.watchingSession();
      // Without a plan no token works, so no count can change: PLAN_REQUIRED, as for generating.
      const missingPlan = missingPlanReason(account);
      if (missingPlan) throw new PlanRequiredError(missingPlan);
      const onlyTokenId = tokenId == null ? undefined : String(tokenId);
      // Ownership is checked before anything is sent: another account's id is TOKEN_NOT_FOUND.
      const knownToken = onlyTokenId ? await ctx.services.apiTokens.findOwnedToken(account.id, onlyTokenId) : undefined;
      // The subscription ends with its session (sign-out, expiry) and with the plan (cancel).
      const watch = { accountId: account.id, tokenId: onlyTokenId, knownToken, session };
      // The feed's rules (current counts first, never backwards, resync) hold on every transport.
      return ctx.openDocumentCounts(watch);
    },
    resolve: (change) => change,
  }),
}));
