// Who the audit trail names for an operation: the signed-in session or the API token that called,
// from where; and for token changes, the scopes that caller may give (domain/token-scopes.ts).
import { keptUserAgent } from '../domain/documents.js';
import type { AuditActor } from '../domain/audit.js';
import type { TokenCaller } from '../domain/token-scopes.js';
import { ROLE_SCOPES } from '../domain/teams.js';
import type { GraphQLContext } from './context.js';

export async function actorOf(ctx: GraphQLContext): Promise<AuditActor> {
  const from = { clientAddress: ctx.clientAddress, userAgent: keptUserAgent(ctx.userAgent) };
  // a session names its person whichever team the request works in (or could not: leaving one)
  if (ctx.sessionToken !== undefined) {
    const session = await ctx.viewerSession();
    return { type: 'SESSION', id: session.id, user: { id: session.account.id, email: session.account.email }, ...from };
  }
  const caller = await ctx.principal();
  if (caller.kind === 'token') return { type: 'API_TOKEN', id: caller.token.id, ...from };
  return { type: 'SESSION', id: caller.session.id, user: { id: caller.session.account.id, email: caller.session.account.email }, ...from };
}

/** A session holds its role's scopes (domain/teams.ts) and no restriction; a token its own. */
export async function tokenCallerOf(ctx: GraphQLContext): Promise<TokenCaller> {
  const caller = await ctx.principal();
  const actor = await actorOf(ctx);
  return caller.kind === 'session' ? { actor, scopes: ROLE_SCOPES[caller.role], token: null } : { actor, scopes: caller.token.scopes, token: caller.token };
}

/** Before a session exists (sign-up, sign-in): the address and agent only. */
export function anonymousActor(ctx: GraphQLContext): AuditActor {
  return { type: 'SESSION', id: null, clientAddress: ctx.clientAddress, userAgent: keptUserAgent(ctx.userAgent) };
}
