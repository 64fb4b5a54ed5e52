import type { RenderedDocument } from '../../domain/documents.js';
import { builder } from '../builder.js';

const DocumentType = builder.objectRef<RenderedDocument>('Document').implement({
  description: 'A rendered document.',
  fields: (t) => ({
    content: t.exposeString('content'),
    tokenId: t.exposeID('tokenId', { description: 'The API token that made it.' }),
    documentCount: t.exposeInt('documentCount', { description: "The token's document count, this one included." }),
  }),
});

builder.mutationFields((t) => ({
  renderDocument: t.field({
    type: DocumentType,
    description:
      'Renders a Liquid template with JSON data. Authenticate with Authorization: Bearer <API token>; each success counts one document on that token.',
    args: {
      template: t.arg.string({ description: 'A Liquid template, e.g. "Hello {{ name }}".' }),
      data: t.arg({ type: 'JSON', description: 'A JSON object the template reads.' }),
    },
    // the service announces the new count to live subscribers itself
    resolve: (_root, { template, data }, ctx) => ctx.services.documents.renderDocument(ctx.bearer, template, data, ctx.clientAddress),
  }),
}));
