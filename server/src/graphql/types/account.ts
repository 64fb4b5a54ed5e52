import { planStateOf } from '../../domain/accounts.js';
import { PLANS, type Plan } from '../../domain/plans.js';
import { MAX_ACTIVE_TOKENS } from '../../domain/token-rules.js';
import type { AccountRecord } from '../../domain/ports.js';
import { builder } from '../builder.js';
import { forAnyone, forRole } from '../authorization.js';
import { ErrorCodeEnum } from './error-code.js';
import { anonymousActor, actorOf } from '../audit-actor.js';

export const PlanType = builder.objectRef<Plan>('Plan').implement({
  description: 'A subscription plan. Generating and using API tokens requires an active plan; the free plan counts.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    monthlyPriceCents: t.exposeInt('monthlyPriceCents'),
    monthlyDocumentQuota: t.exposeInt('monthlyDocumentQuota', {
      nullable: true,
      description: 'Documents a month; null means no cap.',
    }),
  }),
});

const TokensPausedType = builder
  .objectRef<NonNullable<ReturnType<typeof planStateOf>['tokensPaused']>>('TokensPaused')
  .implement({
    description:
      "The account's active tokens are paused: they are not deleted, but every call with them fails until a plan is chosen again.",
    fields: (t) => ({
      reason: t.field({
        type: ErrorCodeEnum,
        description: 'The extensions.code a call with one of these tokens gets (with HTTP 401).',
        resolve: (paused) => paused.reason,
      }),
      message: t.exposeString('message', { description: 'Why, in words a person can act on.' }),
      since: t.expose('since', { type: 'DateTime', nullable: true, description: 'When the plan was cancelled.' }),
    }),
  });

export const AccountType = builder.prismaObject('Account', {
  description:
    'A team: the owner of API tokens, usage, the plan, webhooks and the activity log. Every person has a personal team, which is the account they sign in with; a team they create has a name and members instead.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email', { nullable: true, description: 'The e-mail of a personal team (the person’s sign-in); null for a team.' }),
    name: t.exposeString('name', { nullable: true, description: 'A team’s name; null for a personal team.' }),
    twoFactorRequired: t.boolean({
      description: 'Whether the team admits only members who sign in with two-factor (requireTwoFactor).',
      resolve: (account) => account.twoFactorRequiredAt !== null,
    }),
    personal: t.boolean({ description: 'Whether this is a person’s personal team, which has no other members.', resolve: (account) => account.email !== null }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    plan: t.field({
      type: PlanType,
      nullable: true,
      description: 'The chosen plan, also after it was cancelled; null if none was ever chosen.',
      resolve: (account) => planStateOf(account).plan,
    }),
    planActive: t.boolean({
      description: 'Whether the plan is active. Without an active plan, tokens can be neither generated nor used.',
      resolve: (account) => planStateOf(account).active,
    }),
    planCancelledAt: t.expose('planCancelledAt', { type: 'DateTime', nullable: true }),
    tokensPaused: t.field({
      type: TokensPausedType,
      nullable: true,
      description: "Set when the account's active tokens do not work for now (no active plan); null when they do.",
      resolve: (account) => planStateOf(account).tokensPaused,
    }),
    activeTokenCount: t.int({
      description: `Active API tokens; at most ${MAX_ACTIVE_TOKENS}. Deleted tokens don't count.`,
      resolve: (account, _args, ctx) => ctx.services.apiTokens.countActiveTokens(account.id),
    }),
  }),
});

const SessionPayload = builder
  .objectRef<{ account: AccountRecord; sessionToken: string; expiresAt: Date }>('SessionPayload')
  .implement({
    fields: (t) => ({
      account: t.field({ type: AccountType, resolve: (payload) => payload.account }),
      sessionToken: t.exposeString('sessionToken', {
        description:
          'The session token, for scripts: send it as Authorization: Bearer. Browsers also get it as an HttpOnly cookie.',
      }),
      expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    }),
  });

builder.queryFields((t) => ({
  viewer: t.field({
    ...forAnyone,
    type: AccountType,
    nullable: true,
    description: 'The team this request works in (the Pogodoc-Team header; your personal team without it), or null when no session was sent. An expired session is an error (SESSION_EXPIRED).',
    resolve: (_root, _args, ctx) => (ctx.hasSessionCredential() ? ctx.viewer() : null),
  }),
  me: t.field({
    type: AccountType,
    description: 'The signed-in person: their personal team, whichever team the request works in. Their two-factor state is read here.',
    resolve: async (_root, _args, ctx) => (await ctx.viewerSession()).account,
  }),
  plans: t.field({
    ...forAnyone,
    type: [PlanType],
    description: 'Every plan an account can choose.',
    resolve: () => PLANS,
  }),
}));

builder.mutationFields((t) => ({
  signUp: t.field({
    ...forAnyone,
    type: SessionPayload,
    description: 'Creates an account and signs it in.',
    args: { email: t.arg.string(), password: t.arg.string() },
    resolve: async (_root, { email, password }, ctx) => {
      const session = await ctx.services.accounts.signUp(email, password, ctx.clientAddress, anonymousActor(ctx));
      await ctx.setSessionCookie(session.sessionToken, session.expiresAt);
      return session;
    },
  }),
  signIn: t.field({
    ...forAnyone,
    type: SessionPayload,
    description: 'Signs in. With two-factor on, the password alone is TWO_FACTOR_REQUIRED: send it again with twoFactorCode.',
    args: {
      email: t.arg.string(),
      password: t.arg.string(),
      twoFactorCode: t.arg.string({ required: false, description: 'The 6-digit code from the authenticator app, or a recovery code.' }),
    },
    resolve: async (_root, { email, password, twoFactorCode }, ctx) => {
      const session = await ctx.services.accounts.signIn(email, password, ctx.clientAddress, anonymousActor(ctx), twoFactorCode ?? undefined);
      await ctx.setSessionCookie(session.sessionToken, session.expiresAt);
      return session;
    },
  }),
  signOut: t.boolean({
    ...forAnyone,
    description: 'Revokes the current session at once. True when a session was sent.',
    resolve: async (_root, _args, ctx) => {
      await ctx.clearSessionCookie();
      if (!ctx.sessionToken) return false;
      await ctx.services.accounts.signOut(ctx.sessionToken, anonymousActor(ctx));
      return true;
    },
  }),
  choosePlan: t.field({
    ...forRole('OWNER'),
    type: AccountType,
    description: 'Chooses a plan and activates it at once (paying is out of scope). Also reactivates after a cancel.',
    args: { planId: t.arg.id() },
    resolve: async (_root, { planId }, ctx) => {
      const account = await ctx.viewer();
      return ctx.services.accounts.choosePlan(account, String(planId), await actorOf(ctx));
    },
  }),
  cancelPlan: t.field({
    ...forRole('OWNER'),
    type: AccountType,
    description: "Cancels the plan. The account's API tokens stop authenticating until a plan is chosen again.",
    resolve: async (_root, _args, ctx) => ctx.services.accounts.cancelPlan(await ctx.viewer(), await actorOf(ctx)),
  }),
}));
