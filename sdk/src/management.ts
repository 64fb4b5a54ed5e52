// The management calls: pogodoc.tokens, pogodoc.usage and pogodoc.audit. They need a management
// token, one generated with the scope each call names (TOKENS_READ, TOKENS_WRITE, USAGE_READ,
// AUDIT_READ); a token without it gets PogodocError API_TOKEN_SCOPE_MISSING (403).
//
// Retries: reads, updates and deletes are retried like documents. Generating and rolling are not
// retried after a lost answer: the new secret is shown only in that answer (the API keeps only its
// hash, so it cannot replay it), and a retry would make a second token or roll again. They are
// retried only when the API answered that it did nothing (RATE_LIMITED, DATABASE_UNAVAILABLE).
import type {
  AuditEventType,
  RollGracePeriod,
  SdkListAuditEventsQuery,
  SdkTokenFragment,
  TokenExpiry,
  TokenScope,
  TokenStatus,
  UsageGranularity,
} from './generated/operations.js';
import { PogodocError } from './errors.js';
import { DeleteToken, GenerateToken, ListAuditEvents, ListTokens, RollToken, UpdateToken, Usage, type Operation } from './operations.js';
import type { RequestOptions } from './pogodoc-client.js';

export type { AuditEventType, RollGracePeriod, TokenExpiry, TokenScope, TokenStatus, UsageGranularity };

/** A token as the API Tokens page shows it; never its secret. */
export type Token = SdkTokenFragment;

export interface NewSecret {
  token: Token;
  /** The token's secret, shown this once: store it now. */
  secret: string;
}

export interface GenerateTokenInput {
  /** 1 to 20 characters. */
  name: string;
  /** DOCUMENTS_RENDER when left out; a token gives only scopes it holds itself. */
  scopes?: TokenScope[];
  /** A preset expiry, or `expiresAt` (not both); never, when both are left out. */
  expiresIn?: TokenExpiry;
  expiresAt?: Date;
}

export interface UpdateTokenInput {
  name?: string;
  scopes?: TokenScope[];
  /** CIDRs documents may come from; null or [] removes the allowlist. */
  allowedIps?: string[] | null;
  /** null removes the token's own monthly limit. */
  monthlyDocumentLimit?: number | null;
}

export interface UsageInput {
  from: Date;
  to: Date;
  granularity: UsageGranularity;
  /** One token's usage; the whole account's when left out. */
  tokenId?: string;
}

export type AuditEvent = SdkListAuditEventsQuery['auditEventConnection']['edges'][number]['node'];

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `after` for the next page, while hasNextPage. */
  endCursor: string | null;
  hasNextPage: boolean;
}

/** How a call may be retried: like a document, or only after the API said it did nothing. */
export type RetryPolicyOfCall = 'retry' | 'retry-refusals-only';

export type Call = <Result, Variables>(
  operation: Operation<Result, Variables>,
  variables: Variables,
  options: RequestOptions,
  policy: RetryPolicyOfCall,
) => Promise<Result>;

export class TokensApi {
  constructor(private readonly call: Call) {}

  /** The tokens of one tab: ACTIVE (the default), DELETED or EXPIRED. Needs TOKENS_READ. */
  async list(input: { status?: TokenStatus } = {}, options: RequestOptions = {}): Promise<Token[]> {
    return (await this.call(ListTokens, { status: input.status ?? null }, options, 'retry')).tokens;
  }

  /** A new token and its secret, shown once. Needs TOKENS_WRITE. */
  async generate(input: GenerateTokenInput, options: RequestOptions = {}): Promise<NewSecret> {
    const variables = { name: input.name, scopes: input.scopes ?? null, expiresIn: input.expiresIn ?? null, expiresAt: input.expiresAt?.toISOString() ?? null };
    return (await this.call(GenerateToken, variables, options, 'retry-refusals-only')).generateToken;
  }

  /** A new secret for the token, shown once; the old one works for the grace period. Needs TOKENS_WRITE. */
  async roll(id: string, input: { gracePeriod: RollGracePeriod }, options: RequestOptions = {}): Promise<NewSecret> {
    return (await this.call(RollToken, { id, gracePeriod: input.gracePeriod }, options, 'retry-refusals-only')).rollToken;
  }

  /** Changes what is given; the rest stays. Needs TOKENS_WRITE. */
  async update(id: string, input: UpdateTokenInput, options: RequestOptions = {}): Promise<Token> {
    return (await this.call(UpdateToken, { id, ...input }, options, 'retry')).updateToken;
  }

  /**
   * Deletes the token: it stops at once. Needs TOKENS_WRITE. A retry after a lost answer finds it
   * deleted already, which is what was asked: it resolves.
   */
  async delete(id: string, options: RequestOptions = {}): Promise<void> {
    try {
      await this.call(DeleteToken, { id }, options, 'retry');
    } catch (error) {
      if (!(error instanceof PogodocError && error.code === 'TOKEN_ALREADY_DELETED' && error.attempts > 1)) throw error;
    }
  }
}

export class AuditApi {
  constructor(private readonly call: Call) {}

  /** The activity log, newest first, a page at a time. Needs AUDIT_READ. */
  async list(input: { first?: number; after?: string; types?: AuditEventType[] } = {}, options: RequestOptions = {}): Promise<AuditPage> {
    const variables = { first: input.first ?? null, after: input.after ?? null, types: input.types ?? null };
    const { edges, pageInfo } = (await this.call(ListAuditEvents, variables, options, 'retry')).auditEventConnection;
    return { events: edges.map((edge) => edge.node), endCursor: pageInfo.endCursor ?? null, hasNextPage: pageInfo.hasNextPage };
  }
}

export async function usage(call: Call, input: UsageInput, options: RequestOptions = {}) {
  const variables = { from: input.from.toISOString(), to: input.to.toISOString(), granularity: input.granularity, tokenId: input.tokenId ?? null };
  return (await call(Usage, variables, options, 'retry')).usage;
}
