// Who the audit trail names for a dashboard operation: the signed-in session, from where.
import { keptUserAgent } from '../domain/documents.js';
import type { AuditActor } from '../domain/audit.js';
import type { GraphQLContext } from './context.js';

export async function sessionActor(ctx: GraphQLContext): Promise<AuditActor> {
  const session = await ctx.viewerSession();
  return { type: 'SESSION', id: session.id, clientAddress: ctx.clientAddress, userAgent: keptUserAgent(ctx.userAgent) };
}

/** Before a session exists (sign-up, sign-in): the address and agent only. */
export function anonymousActor(ctx: GraphQLContext): AuditActor {
  return { type: 'SESSION', id: null, clientAddress: ctx.clientAddress, userAgent: keptUserAgent(ctx.userAgent) };
}
