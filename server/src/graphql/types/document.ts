import type { RenderedDocument } from '../../domain/documents.js';
import { builder } from '../builder.js';
import { forAnyone } from '../authorization.js';

const DocumentType = builder.objectRef<RenderedDocument>('Document').implement({
  description: 'A rendered document.',
  fields: (t) => ({
    content: t.exposeString('content'),
    tokenId: t.exposeID('tokenId', { description: 'The API token that made it.' }),
    documentCount: t.exposeInt('documentCount', { description: "The token's document count, this one included." }),
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
      });
      // Stripe's header for a replayed response, for clients that read headers rather than fields
      if (document.replayed) ctx.setResponseHeader('Idempotent-Replayed', 'true');
      return document;
    },
  }),
}));
