// The token tabs as cursor connections (Relay's shape, @pothos/plugin-relay): the Deleted tab grows
// without bound, so it is read a page at a time. The plain `tokens` list stays for the clients
// that use it. The rules are in domain/token-pages.ts.
import { builder } from '../builder.js';
import { ApiTokenType, TokenStatusEnum } from './api-token.js';
import { TOKEN_PAGE_DEFAULT, TOKEN_PAGE_MAX } from '../../domain/token-pages.js';
import { DomainError } from '../../domain/errors.js';

builder.queryFields((t) => ({
  tokenConnection: t.connection(
    {
      type: ApiTokenType,
      description: `The signed-in account's tokens for one tab, a page at a time, in the order of \`tokens\`: pass \`first\` (1 to ${TOKEN_PAGE_MAX}, default ${TOKEN_PAGE_DEFAULT}) and the previous page's \`endCursor\` as \`after\`. Only forward paging: \`last\` and \`before\` are refused. A token deleted while you page appears on the first page, never twice.`,
      args: { status: t.arg({ type: TokenStatusEnum, required: false, defaultValue: 'ACTIVE' }) },
      resolve: async (_root, { status, first, after, last, before }, ctx) => {
        if (last != null || before != null) throw new DomainError('BAD_USER_INPUT', 'Page forward with "first" and "after"; "last" and "before" are not supported.');
        const account = await ctx.viewer();
        const tab = status ?? 'ACTIVE';
        const { tokens, hasNextPage } = await ctx.services.tokenPages.page(account.id, tab, first, after);
        const edges = tokens.map((node) => ({ node, cursor: ctx.services.tokenPages.cursorOf(tab, node) }));
        return {
          edges,
          pageInfo: { hasNextPage, hasPreviousPage: after != null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
        };
      },
    },
    { name: 'TokenConnection' },
    { name: 'TokenEdge' },
  ),
}));
