// Who the audit trail names for an operation: the signed-in session or the API token that called,
// from where; and for token changes, the scopes that caller may give (domain/token-scopes.ts).
import { keptUserAgent } from '../domain/documents.js';
import type { AuditActor } from '../domain/audit.js';
import { ALL_SCOPES, type TokenCaller } from '../domain/token-scopes.js';
import type { GraphQLContext } from './context.js';

export async function actorOf(ctx: GraphQLContext): Promise<AuditActor> {
  const caller = await ctx.principal();
  const from = { clientAddress: ctx.clientAddress, userAgent: keptUserAgent(ctx.userAgent) };
  return caller.kind === 'session' ? { type: 'SESSION', id: caller.session.id, ...from } : { type: 'API_TOKEN', id: caller.token.id, ...from };
}

/** A session holds every scope and no restriction; a token its own. */
export async function tokenCallerOf(ctx: GraphQLContext): Promise<TokenCaller> {
  const caller = await ctx.principal();
  const actor = await actorOf(ctx);
  return caller.kind === 'session' ? { actor, scopes: ALL_SCOPES, token: null } : { actor, scopes: caller.token.scopes, token: caller.token };
}

/** Before a session exists (sign-up, sign-in): the address and agent only. */
export function anonymousActor(ctx: GraphQLContext): AuditActor {
  return { type: 'SESSION', id: null, clientAddress: ctx.clientAddress, userAgent: keptUserAgent(ctx.userAgent) };
}
