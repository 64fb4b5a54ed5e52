// The SDK's own GraphQL documents. Their result and variable types are generated from the
// checked-in schema.graphql by `npm run codegen` (codegen.ts) into generated/operations.ts, and
// `npm run codegen:check` fails when they are stale. A document is plain text marked
// GraphQL, so the package needs no GraphQL library at run time.
import type { SdkRenderDocumentMutation, SdkRenderDocumentMutationVariables } from './generated/operations.js';

/** A document's text, tagged with its result and variables types. */
export interface Operation<Result, Variables> {
  readonly query: string;
  /** Never set: carries the types. */
  readonly types?: { result: Result; variables: Variables };
}

export const RenderDocument: Operation<SdkRenderDocumentMutation, SdkRenderDocumentMutationVariables> = {
  query: /* GraphQL */ `
    mutation SdkRenderDocument($template: String!, $data: JSON!) {
      renderDocument(template: $template, data: $data) {
        content
        tokenId
        documentCount
        replayed
      }
    }
  `,
};
