// Who may call what. Every root field is checked by @pothos/plugin-scope-auth before its resolver
// runs, with one of three declarations:
// - nothing: a dashboard session only (the root types' default in builder.ts), so a field added
//   without a thought is refused to every API token;
// - `{ scope: 'TOKENS_READ' }` (see `forScope`): a session, or an API token holding that scope, in its
//   own account; a token without it gets API_TOKEN_SCOPE_MISSING (403) naming the scope;
// - `skipTypeScopes` with no scopes of its own (see `forAnyone`): anyone; the resolver decides
//   (sign-in, plans, and renderDocument, which authenticates its own token and needs DOCUMENTS_RENDER).
// The loaders throw the domain's errors instead of answering false, so that a refusal says why
// (no session, an expired one, a revoked token, a missing scope), as the troubleshooting section does.
import { requireScope, type TokenScope } from '../domain/token-scopes.js';
import type { GraphQLContext } from './context.js';

export interface AuthScopes {
  session: boolean;
  scope: TokenScope;
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
      return true;
    },
  };
}

/** A field a session or an API token with `scope` may call. */
export const forScope = (scope: TokenScope) => ({ skipTypeScopes: true, authScopes: { scope } }) as const;

/**
 * A field anyone may call: its resolver checks what it needs itself. Skipping the root type's
 * scopes, with none of its own, leaves the field unwrapped by the plugin: renderDocument, the hot
 * path, pays nothing for authorisation it does itself.
 */
export const forAnyone = { skipTypeScopes: true } as const;
