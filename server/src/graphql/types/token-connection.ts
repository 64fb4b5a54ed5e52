// The token tabs as cursor connections (Relay's shape, @pothos/plugin-relay): the Deleted tab grows
// without bound, so it is read a page at a time. The plain `tokens` list stays for the clients
// that use it. The rules are in domain/token-pages.ts.
import { builder } from '../builder.js';
import { forScope } from '../authorization.js';
import { ApiTokenType, TokenStatusEnum } from './api-token.js';
import { TOKEN_PAGE_DEFAULT, TOKEN_PAGE_MAX } from '../../domain/token-pages.js';
import { forwardPage, refuseBackwardPaging } from '../connections.js';
import type { ApiTokenRecord } from '../../domain/ports.js';

/** A page as the resolver returns it, with the tab's count left to the totalCount field. */
interface CountableConnection {
  edges: Array<{ node: ApiTokenRecord; cursor: string }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  countTab(): Promise<number>;
}

builder.queryFields((t) => ({
  tokenConnection: t.connection(
    {
      ...forScope('TOKENS_READ'),
      type: ApiTokenType,
      description: `The signed-in account's tokens for one tab, a page at a time, in the order of \`tokens\`: pass \`first\` (1 to ${TOKEN_PAGE_MAX}, default ${TOKEN_PAGE_DEFAULT}) and the previous page's \`endCursor\` as \`after\`. Only forward paging: \`last\` and \`before\` are refused. A token deleted while you page appears on the first page, never twice.`,
      args: { status: t.arg({ type: TokenStatusEnum, required: false, defaultValue: 'ACTIVE' }) },
      resolve: async (_root, { status, first, after, last, before }, ctx) => {
        refuseBackwardPaging({ last, before });
        const account = await ctx.viewer();
        const tab = status ?? 'ACTIVE';
        const { tokens, hasNextPage } = await ctx.services.tokenPages.page(account.id, tab, first, after);
        const connection: CountableConnection = {
          ...forwardPage(tokens, (node) => ctx.services.tokenPages.cursorOf(tab, node), hasNextPage, after),
          countTab: () => ctx.services.tokenPages.count(account.id, tab),
        };
        return connection;
      },
    },
    {
      name: 'TokenConnection',
      fields: (t) => ({
        // a statement of its own, run only when asked: a page that does not show the count costs one statement
        totalCount: t.int({
          description: 'How many tokens the tab holds in all, for its heading (one COUNT over the account\'s index, only when asked).',
          resolve: (connection) => (connection as unknown as CountableConnection).countTab(),
        }),
      }),
    },
    { name: 'TokenEdge' },
  ),
}));
