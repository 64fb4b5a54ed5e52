// Who may call what. Every root field is checked by @pothos/plugin-scope-auth before its resolver
// runs, with one of three declarations:
// - nothing: a dashboard session only (the root types' default in builder.ts), so a field added
//   without a thought is refused to every API token;
// - `{ scope: 'TOKENS_READ' }` (see `forScope`): a session whose role in the team holds that scope
//   (domain/teams.ts, ROLE_SCOPES), or an API token holding it, in its own team; a token without it
//   gets API_TOKEN_SCOPE_MISSING and a member without it TEAM_ROLE_INSUFFICIENT (both 403);
// - `{ role: 'OWNER' }` (see `forRole`): a session whose role is at least that, for what only people
//   do with the team (its plan);
// - `skipTypeScopes` with no scopes of its own (see `forAnyone`): anyone; the resolver decides
//   (sign-in, plans, and renderDocument, which authenticates its own token and needs DOCUMENTS_RENDER).
// The loaders throw the domain's errors instead of answering false, so that a refusal says why
// (no session, an expired one, a revoked token, a missing scope), as the troubleshooting section does.
import { requireScope, type TokenScope } from '../domain/token-scopes.js';
import { requireRole, requireRoleScope, type TeamRole } from '../domain/teams.js';
import type { GraphQLContext } from './context.js';

export interface AuthScopes {
  session: boolean;
  scope: TokenScope;
  role: TeamRole;
}

export function authScopesOf(ctx: GraphQLContext) {
  return {
    session: async () => {
      await ctx.viewerSession();
      return true;
    },
    scope: async (scope: TokenScope) => {
      const caller = await ctx.principal();
      if (caller.kind === 'token') requireScope(caller.token.scopes, scope);
      else requireRoleScope(caller.role, scope);
      return true;
    },
    role: async (least: TeamRole) => {
      const { role } = await ctx.teamAccess();
      requireRole(role, least, 'do this');
      return true;
    },
  };
}

/** A field a member whose role holds `scope`, or an API token with it, may call. */
export const forScope = (scope: TokenScope) => ({ skipTypeScopes: true, authScopes: { scope } }) as const;

/** A field only a session of a member with at least `role` may call. */
export const forRole = (role: TeamRole) => ({ skipTypeScopes: true, authScopes: { role } }) as const;

/**
 * A field anyone may call: its resolver checks what it needs itself. Skipping the root type's
 * scopes, with none of its own, leaves the field unwrapped by the plugin: renderDocument, the hot
 * path, pays nothing for authorisation it does itself.
 */
export const forAnyone = { skipTypeScopes: true } as const;
