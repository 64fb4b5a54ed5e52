import { keptUserAgent, type RenderedDocument } from '../../domain/documents.js';
import type { AccountRecord, ApiTokenRecord } from '../../domain/ports.js';
import { builder } from '../builder.js';
import { forAnyone } from '../authorization.js';
import { AccountType } from './account.js';
import { setRateLimitHeaders } from '../response-headers.js';
import { ApiTokenType } from './api-token.js';

const TokenInfoType = builder.objectRef<{ token: ApiTokenRecord; team: AccountRecord }>('TokenInfo').implement({
  description: 'The token a request authenticated with, and what it may still do: for smoke tests in CI. It costs no document.',
  fields: (t) => ({
    token: t.field({ type: ApiTokenType, description: 'Its name, scopes, expiry and restrictions.', resolve: (info) => info.token }),
    team: t.field({ type: AccountType, description: 'The team it belongs to: its plan and currentPeriod (used, quota, resetsAt).', resolve: (info) => info.team }),
    monthlyDocumentsLeft: t.int({
      nullable: true,
      description: "Documents the token's own monthly limit still allows this calendar month (UTC); null without a limit.",
      resolve: ({ token }, _args, ctx) => (token.monthlyDocumentLimit === null ? null : Math.max(0, token.monthlyDocumentLimit - ctx.services.apiTokens.documentsThisMonth(token))),
    }),
  }),
});

builder.queryFields((t) => ({
  tokenInfo: t.field({
    ...forAnyone,
    type: TokenInfoType,
    description:
      'Which token this is (Authorization: Bearer <API token>), its team, and its quota: free, for a CI smoke test. Any scope will do; a token that could not make a document gets the same error a document would (401 deleted, disabled, expired; 403 address; PLAN_REQUIRED).',
    resolve: async (_root, _args, ctx) => {
      const { token } = await ctx.services.apiTokens.authenticate(ctx.bearer, ctx.clientAddress, keptUserAgent(ctx.userAgent) ?? undefined, { onPresented: ctx.tokenPresented });
      return { token, team: await ctx.services.accounts.accountOfToken(token) };
    },
  }),
}));

const DocumentType = builder.objectRef<RenderedDocument>('Document').implement({
  description: 'A rendered document.',
  fields: (t) => ({
    content: t.exposeString('content'),
    tokenId: t.exposeID('tokenId', { description: 'The API token that made it.' }),
    documentCount: t.exposeInt('documentCount', { description: "The token's document count, this one included." }),
    testMode: t.exposeBoolean('testMode', { description: 'Made by a TEST token: its content starts with a watermark line, and it used none of the quota.' }),
    replayed: t.exposeBoolean('replayed', {
      description:
        'True when this is the stored result of an earlier request with the same Idempotency-Key: nothing was rendered or counted again. The HTTP response then also has the header Idempotent-Replayed: true.',
    }),
  }),
});

builder.mutationFields((t) => ({
  renderDocument: t.field({
    ...forAnyone,
    type: DocumentType,
    description:
      'Renders a Liquid template with JSON data. Authenticate with Authorization: Bearer <API token>; each success counts one document on that token. Send an Idempotency-Key HTTP header (e.g. a UUID) to retry safely: the same key and request within 24 hours return the first result and count nothing more.',
    args: {
      template: t.arg.string({ description: 'A Liquid template, e.g. "Hello {{ name }}".' }),
      data: t.arg({ type: 'JSON', description: 'A JSON object the template reads.' }),
    },
    // the service announces the new count to live subscribers itself
    resolve: async (_root, { template, data }, ctx) => {
      const document = await ctx.services.documents.renderDocument(ctx.bearer, template, data, {
        clientAddress: ctx.clientAddress,
        userAgent: ctx.userAgent,
        idempotencyKey: ctx.idempotencyKey,
        onRateLimit: (state) => setRateLimitHeaders(ctx, state),
        onTokenPresented: ctx.tokenPresented,
      });
      // Stripe's header for a replayed response, for clients that read headers rather than fields
      if (document.replayed) ctx.setResponseHeader('Idempotent-Replayed', 'true');
      return document;
    },
  }),
}));
