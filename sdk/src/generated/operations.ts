/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** Who caused the event: the account's SESSION, an API_TOKEN, the SYSTEM itself (expiry), or a secret SCANNER. */
export type AuditActorType =
  | 'API_TOKEN'
  | 'SCANNER'
  | 'SESSION'
  | 'SYSTEM';

/** What happened. REVOKED_TOKEN_PRESENTED is recorded at most once per token, client address and clock hour (UTC). */
export type AuditEventType =
  | 'EMAIL_CHANGED'
  | 'EMAIL_VERIFIED'
  | 'INVITATION_REVOKED'
  | 'MEMBER_INVITED'
  | 'MEMBER_JOINED'
  | 'MEMBER_LEFT'
  | 'MEMBER_REMOVED'
  | 'MEMBER_ROLE_CHANGED'
  | 'PASSWORD_RESET'
  | 'PASSWORD_RESET_REQUESTED'
  | 'PLAN_CANCELLED'
  | 'PLAN_CHANGED'
  | 'PLAN_CHOSEN'
  | 'QUOTA_REACHED'
  | 'QUOTA_WARNING'
  | 'RECOVERY_CODE_USED'
  | 'REVOKED_TOKEN_PRESENTED'
  | 'SESSION_EXPIRED'
  | 'SESSION_REVOKED'
  | 'SIGN_IN_FAILED'
  | 'SIGN_IN_SUCCEEDED'
  | 'SIGN_OUT'
  | 'SIGN_UP'
  | 'TEAM_CREATED'
  | 'TEAM_DELETED'
  | 'TEAM_TWO_FACTOR_POLICY_CHANGED'
  | 'TOKEN_DELETED'
  | 'TOKEN_DISABLED'
  | 'TOKEN_ENABLED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_EXPIRING'
  | 'TOKEN_GENERATED'
  | 'TOKEN_GRACE_ENDED'
  | 'TOKEN_LEAKED'
  | 'TOKEN_RENAMED'
  | 'TOKEN_RESTRICTED'
  | 'TOKEN_ROLLED'
  | 'TWO_FACTOR_DISABLED'
  | 'TWO_FACTOR_ENABLED'
  | 'WEBHOOK_ENDPOINT_CREATED'
  | 'WEBHOOK_ENDPOINT_DELETED'
  | 'WEBHOOK_ENDPOINT_DISABLED'
  | 'WEBHOOK_ENDPOINT_ENABLED'
  | 'WEBHOOK_SECRET_ROTATED';

/** How long the secret a roll replaces keeps working. NONE stops it at once (for a leaked secret). */
export type RollGracePeriod =
  | 'NONE'
  | 'ONE_DAY'
  | 'ONE_HOUR'
  | 'SEVEN_DAYS';

/** When a new token expires: never (the default) or a number of days after it is generated. generateToken also takes a date up to 365 days ahead. */
export type TokenExpiry =
  | 'DAYS_7'
  | 'DAYS_30'
  | 'DAYS_60'
  | 'DAYS_90'
  | 'NEVER';

/** What an API token may do. With Authorization: Bearer <token>, a token calls exactly the operations its scopes allow, in its own account. */
export type TokenScope =
  /** Read the activity log. */
  | 'AUDIT_READ'
  /** Make documents with renderDocument. What every token could do before scopes. */
  | 'DOCUMENTS_RENDER'
  /** List and read the account’s tokens (never a secret). */
  | 'TOKENS_READ'
  /** Generate, update, roll and delete tokens, with at most this token’s own scopes. */
  | 'TOKENS_WRITE'
  /** Read usage and the current billing period. */
  | 'USAGE_READ'
  /** List, create and change webhook endpoints, and read their deliveries. */
  | 'WEBHOOKS_WRITE';

/** The two tabs of the API Tokens page (ACTIVE, DELETED), and the expired tokens the DELETED tab also lists. */
export type TokenStatus =
  /** Currently usable tokens. */
  | 'ACTIVE'
  /** Previously deleted tokens, kept for audit, and expired ones (as a tab). They never work again. */
  | 'DELETED'
  /** Tokens past their expiresAt. They never work again and no longer count toward the limit. */
  | 'EXPIRED';

/** The size of one usage bucket: an hour or a day, in UTC. */
export type UsageGranularity =
  /** Daily buckets, kept for good; a query covers at most 366 days. */
  | 'DAY'
  /** Hourly buckets, kept for 90 days; a query covers at most 2160 hours. */
  | 'HOUR';

export type SdkRenderDocumentMutationVariables = Exact<{
  template: string;
  data: unknown;
}>;


export type SdkRenderDocumentMutation = { renderDocument: { content: string, tokenId: string, documentCount: number, replayed: boolean } };

export type SdkTokenFragment = { id: string, name: string, preview: string, scopes: Array<TokenScope>, status: TokenStatus, createdAt: string, expiresAt: string | null, deletedAt: string | null, lastUsedAt: string | null, documentCount: number, allowedIps: Array<string>, monthlyDocumentLimit: number | null, previousSecretWorksUntil: string | null };

export type SdkListTokensQueryVariables = Exact<{
  status?: TokenStatus | null | undefined;
}>;


export type SdkListTokensQuery = { tokens: Array<{ id: string, name: string, preview: string, scopes: Array<TokenScope>, status: TokenStatus, createdAt: string, expiresAt: string | null, deletedAt: string | null, lastUsedAt: string | null, documentCount: number, allowedIps: Array<string>, monthlyDocumentLimit: number | null, previousSecretWorksUntil: string | null }> };

export type SdkGenerateTokenMutationVariables = Exact<{
  name: string;
  scopes?: Array<TokenScope> | TokenScope | null | undefined;
  expiresIn?: TokenExpiry | null | undefined;
  expiresAt?: string | null | undefined;
}>;


export type SdkGenerateTokenMutation = { generateToken: { secret: string, token: { id: string, name: string, preview: string, scopes: Array<TokenScope>, status: TokenStatus, createdAt: string, expiresAt: string | null, deletedAt: string | null, lastUsedAt: string | null, documentCount: number, allowedIps: Array<string>, monthlyDocumentLimit: number | null, previousSecretWorksUntil: string | null } } };

export type SdkRollTokenMutationVariables = Exact<{
  id: string | number;
  gracePeriod: RollGracePeriod;
}>;


export type SdkRollTokenMutation = { rollToken: { secret: string, token: { id: string, name: string, preview: string, scopes: Array<TokenScope>, status: TokenStatus, createdAt: string, expiresAt: string | null, deletedAt: string | null, lastUsedAt: string | null, documentCount: number, allowedIps: Array<string>, monthlyDocumentLimit: number | null, previousSecretWorksUntil: string | null } } };

export type SdkUpdateTokenMutationVariables = Exact<{
  id: string | number;
  name?: string | null | undefined;
  scopes?: Array<TokenScope> | TokenScope | null | undefined;
  allowedIps?: Array<string> | string | null | undefined;
  monthlyDocumentLimit?: number | null | undefined;
}>;


export type SdkUpdateTokenMutation = { updateToken: { id: string, name: string, preview: string, scopes: Array<TokenScope>, status: TokenStatus, createdAt: string, expiresAt: string | null, deletedAt: string | null, lastUsedAt: string | null, documentCount: number, allowedIps: Array<string>, monthlyDocumentLimit: number | null, previousSecretWorksUntil: string | null } };

export type SdkDeleteTokenMutationVariables = Exact<{
  id: string | number;
}>;


export type SdkDeleteTokenMutation = { deleteToken: { id: string, name: string, preview: string, scopes: Array<TokenScope>, status: TokenStatus, createdAt: string, expiresAt: string | null, deletedAt: string | null, lastUsedAt: string | null, documentCount: number, allowedIps: Array<string>, monthlyDocumentLimit: number | null, previousSecretWorksUntil: string | null } };

export type SdkUsageQueryVariables = Exact<{
  from: string;
  to: string;
  granularity: UsageGranularity;
  tokenId?: string | number | null | undefined;
}>;


export type SdkUsageQuery = { usage: Array<{ at: string, documentCount: number }> };

export type SdkListAuditEventsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  types?: Array<AuditEventType> | AuditEventType | null | undefined;
}>;


export type SdkListAuditEventsQuery = { auditEventConnection: { edges: Array<{ node: { id: string, type: AuditEventType, createdAt: string, actorType: AuditActorType, actorId: string | null, clientAddress: string | null, details: string | null, token: { id: string } | null } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };
