// The SDK's own GraphQL documents. Their result and variable types are generated from the
// checked-in schema.graphql by `npm run codegen` (codegen.ts) into generated/operations.ts, and
// `npm run codegen:check` fails when they are stale. A document is plain text marked
// GraphQL, so the package needs no GraphQL library at run time.
import type {
  SdkDeleteTokenMutation,
  SdkDeleteTokenMutationVariables,
  SdkGenerateTokenMutation,
  SdkGenerateTokenMutationVariables,
  SdkListAuditEventsQuery,
  SdkListAuditEventsQueryVariables,
  SdkListTokensQuery,
  SdkListTokensQueryVariables,
  SdkRenderDocumentMutation,
  SdkRenderDocumentMutationVariables,
  SdkRollTokenMutation,
  SdkRollTokenMutationVariables,
  SdkUpdateTokenMutation,
  SdkUpdateTokenMutationVariables,
  SdkUsageQuery,
  SdkUsageQueryVariables,
} from './generated/operations.js';

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

// The management calls: a token with the matching scope (TOKENS_READ, TOKENS_WRITE, USAGE_READ,
// AUDIT_READ) calls them with Authorization: Bearer, in its own account.
// One fragment for every call that answers with tokens; its own document, so that codegen reads it
// (it reads no interpolation), and appended to each query at run time.
const withTokenFragment = (query: string) => query + TOKEN_FRAGMENT;
const TOKEN_FRAGMENT = /* GraphQL */ `
  fragment SdkToken on ApiToken {
    id
    name
    preview
    scopes
    status
    createdAt
    expiresAt
    deletedAt
    lastUsedAt
    documentCount
    allowedIps
    monthlyDocumentLimit
    previousSecretWorksUntil
  }
`;

export const ListTokens: Operation<SdkListTokensQuery, SdkListTokensQueryVariables> = {
  query: withTokenFragment(/* GraphQL */ `
    query SdkListTokens($status: TokenStatus) {
      tokens(status: $status) {
        ...SdkToken
      }
    }
  `),
};

export const GenerateToken: Operation<SdkGenerateTokenMutation, SdkGenerateTokenMutationVariables> = {
  query: withTokenFragment(/* GraphQL */ `
    mutation SdkGenerateToken($name: String!, $scopes: [TokenScope!], $expiresIn: TokenExpiry, $expiresAt: DateTime) {
      generateToken(name: $name, scopes: $scopes, expiresIn: $expiresIn, expiresAt: $expiresAt) {
        secret
        token {
          ...SdkToken
        }
      }
    }
  `),
};

export const RollToken: Operation<SdkRollTokenMutation, SdkRollTokenMutationVariables> = {
  query: withTokenFragment(/* GraphQL */ `
    mutation SdkRollToken($id: ID!, $gracePeriod: RollGracePeriod!) {
      rollToken(id: $id, gracePeriod: $gracePeriod) {
        secret
        token {
          ...SdkToken
        }
      }
    }
  `),
};

export const UpdateToken: Operation<SdkUpdateTokenMutation, SdkUpdateTokenMutationVariables> = {
  query: withTokenFragment(/* GraphQL */ `
    mutation SdkUpdateToken($id: ID!, $name: String, $scopes: [TokenScope!], $allowedIps: [String!], $monthlyDocumentLimit: Int) {
      updateToken(id: $id, name: $name, scopes: $scopes, allowedIps: $allowedIps, monthlyDocumentLimit: $monthlyDocumentLimit) {
        ...SdkToken
      }
    }
  `),
};

export const DeleteToken: Operation<SdkDeleteTokenMutation, SdkDeleteTokenMutationVariables> = {
  query: withTokenFragment(/* GraphQL */ `
    mutation SdkDeleteToken($id: ID!) {
      deleteToken(id: $id) {
        ...SdkToken
      }
    }
  `),
};

export const Usage: Operation<SdkUsageQuery, SdkUsageQueryVariables> = {
  query: /* GraphQL */ `
    query SdkUsage($from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!, $tokenId: ID) {
      usage(from: $from, to: $to, granularity: $granularity, tokenId: $tokenId) {
        at
        documentCount
      }
    }
  `,
};

export const ListAuditEvents: Operation<SdkListAuditEventsQuery, SdkListAuditEventsQueryVariables> = {
  query: /* GraphQL */ `
    query SdkListAuditEvents($first: Int, $after: String, $types: [AuditEventType!]) {
      auditEventConnection(first: $first, after: $after, types: $types) {
        edges {
          node {
            id
            type
            createdAt
            actorType
            actorId
            clientAddress
            details
            token {
              id
            }
          }
        }
        pageInfo {
          endCursor
          hasNextPage
        }
      }
    }
  `,
};
