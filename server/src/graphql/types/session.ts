// The account's dashboard sessions: where each signed in, when it was last seen, and revoking one
// or all the others. A session only: no API token lists or ends sessions, whatever its scopes.
import type { SessionListing } from '../../domain/ports.js';
import { builder } from '../builder.js';
import { actorOf } from '../audit-actor.js';

const SessionType = builder.objectRef<SessionListing & { current: boolean }>('Session').implement({
  description: 'A signed-in dashboard session of the account. Its token is never shown again after sign-in.',
  fields: (t) => ({
    id: t.exposeID('id'),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it signed in.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime', nullable: true, description: 'Its last request, to within five minutes.' }),
    clientAddress: t.exposeString('clientAddress', { nullable: true, description: 'The address it signed in from.' }),
    userAgent: t.exposeString('userAgent', { nullable: true, description: 'The User-Agent it signed in with.' }),
    current: t.exposeBoolean('current', { description: 'The session this request was made with.' }),
  }),
});

builder.queryFields((t) => ({
  sessions: t.field({
    type: [SessionType],
    description: "The account's signed-in sessions, most recently seen first.",
    resolve: async (_root, _args, ctx) => {
      const session = await ctx.viewerSession();
      const sessions = await ctx.services.accounts.listSessions(session.account.id);
      return sessions.map((listed) => ({ ...listed, current: listed.id === session.id }));
    },
  }),
}));

builder.mutationFields((t) => ({
  revokeSession: t.boolean({
    description: 'Signs a session out, wherever it is: its next request is refused and its live views end at once. Revoking the current one is signing out.',
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => {
      const session = await ctx.viewerSession();
      await ctx.services.accounts.revokeSessions(session.account.id, [String(id)], await actorOf(ctx));
      return true;
    },
  }),
  revokeOtherSessions: t.int({
    description: 'Signs out every session of the account but this one; answers how many ended.',
    resolve: async (_root, _args, ctx) => {
      const session = await ctx.viewerSession();
      return ctx.services.accounts.revokeOtherSessions(session.account.id, session.id, await actorOf(ctx));
    },
  }),
}));
