// What an API token may do. A token always made documents; a management token can also list,
// change and watch what its account owns, so that a rotation script or a secret manager holds a
// token with exactly the scopes it needs instead of the owner's password (like Stripe's restricted
// keys and GitHub's fine-grained tokens). The GraphQL layer declares per field which scope it needs
// (graphql/authorization.ts); this module holds the names and the rules of giving them.
import type { AuditActor } from './audit.js';
import { ApiTokenRestrictedError, ApiTokenScopeMissingError, DomainError } from './errors.js';
import type { ApiTokenRecord } from './ports.js';

export const TOKEN_SCOPES = {
  DOCUMENTS_RENDER: 'Make documents with renderDocument. What every token could do before scopes.',
  TOKENS_READ: 'List and read the account’s tokens (never a secret).',
  TOKENS_WRITE: 'Generate, update, roll and delete tokens, with at most this token’s own scopes.',
  USAGE_READ: 'Read usage and the current billing period.',
  AUDIT_READ: 'Read the activity log.',
  WEBHOOKS_WRITE: 'List, create and change webhook endpoints, and read their deliveries.',
} as const;

export type TokenScope = keyof typeof TOKEN_SCOPES;

export const TOKEN_SCOPE_NAMES = Object.keys(TOKEN_SCOPES) as TokenScope[];

/** A new token's scopes when none are chosen: a document token, as every token was before. */
export const DEFAULT_TOKEN_SCOPES: readonly TokenScope[] = ['DOCUMENTS_RENDER'];

/**
 * A set of scopes as stored on the token row (`ApiToken.scopes`) and carried on its record: the
 * names, sorted and space-separated. Stored, not parsed, so that the check on every document is a
 * substring test on the row just read.
 */
export type StoredScopes = string;

/** Every scope: what a dashboard session may do and give. */
export const ALL_SCOPES: StoredScopes = storeScopes(TOKEN_SCOPE_NAMES);

export function storeScopes(scopes: readonly TokenScope[]): StoredScopes {
  if (scopes.length === 0) {
    throw new DomainError('TOKEN_SCOPES_INVALID', `Choose at least one scope for the token: ${TOKEN_SCOPE_NAMES.join(', ')}.`);
  }
  return [...new Set(scopes)].sort().join(' ');
}

export function scopesOf(stored: StoredScopes): TokenScope[] {
  return stored.split(' ').filter((name): name is TokenScope => name in TOKEN_SCOPES);
}

export function holdsScope(stored: StoredScopes, scope: TokenScope): boolean {
  // names are whole words and none is a part of another
  return ` ${stored} `.includes(` ${scope} `);
}

/** Refuses a caller without `scope`: API_TOKEN_SCOPE_MISSING, 403. */
export function requireScope(stored: StoredScopes, scope: TokenScope): void {
  if (!holdsScope(stored, scope)) throw ApiTokenScopeMissingError.toUse(scope);
}

/**
 * No escalation: a caller gives a token only scopes it holds itself, and changes or rolls only a
 * token whose scopes it holds (a roll hands out the token's new secret, so rolling a broader token
 * would be taking its power). A session holds every scope.
 */
export function requireGrantable(callerScopes: StoredScopes, tokenScopes: StoredScopes): void {
  const missing = scopesOf(tokenScopes).find((scope) => !holdsScope(callerScopes, scope));
  if (missing) throw ApiTokenScopeMissingError.toGrant(missing);
}

/** Who asks for a token change: whom the audit log names, the scopes it holds and may give, and the calling token (null for a session). */
export interface TokenCaller {
  actor: AuditActor;
  scopes: StoredScopes;
  token: ApiTokenRecord | null;
}

/** A token's restrictions: what a token it makes inherits, and what it may not loosen. */
export type TokenRestrictions = Pick<ApiTokenRecord, 'expiresAt' | 'allowedIps' | 'monthlyDocumentLimit' | 'rateLimitPerSecond' | 'rateLimitPerMinute'>;

/** A limit of the target no higher than the parent's own (null: none, the loosest). */
const higherThan = (target: number | null, parent: number | null) => parent !== null && (target === null || target > parent);

/**
 * The restrictions a token made by `caller` starts with: a token cannot make one that outlives it,
 * works from more places, or makes more documents a month. An expiry asked for past the caller's is
 * refused; none asked for is the caller's own. A session makes tokens as asked.
 */
export function inheritedRestrictions(caller: TokenCaller, askedExpiresAt: Date | null): TokenRestrictions {
  const parent = caller.token;
  if (!parent) return { expiresAt: askedExpiresAt, allowedIps: null, monthlyDocumentLimit: null, rateLimitPerSecond: null, rateLimitPerMinute: null };
  if (parent.expiresAt && askedExpiresAt && askedExpiresAt > parent.expiresAt) throw ApiTokenRestrictedError.outlives(parent.expiresAt);
  return {
    expiresAt: askedExpiresAt ?? parent.expiresAt,
    allowedIps: parent.allowedIps,
    monthlyDocumentLimit: parent.monthlyDocumentLimit,
    rateLimitPerSecond: parent.rateLimitPerSecond,
    rateLimitPerMinute: parent.rateLimitPerMinute,
  };
}

/**
 * A test token is for a test suite, whose secret is handled casually: it makes only test tokens,
 * and changes, rolls or deletes only test tokens, so that it can never lead to a live secret.
 */
export function requireModeWithin(caller: TokenCaller, target: Pick<ApiTokenRecord, 'mode'>): void {
  if (caller.token?.mode === 'TEST' && target.mode !== 'TEST') throw ApiTokenRestrictedError.liveFromTest();
}

/**
 * A token changes, rolls or deletes only a token that is no looser than itself: scopes it holds, an
 * expiry no later than its own, its own allowlist, a monthly limit no higher. A roll hands out the
 * target's new secret, so rolling a looser token would be taking its freedom.
 */
export function requireNoLooserThan(caller: TokenCaller, target: TokenRestrictions & Pick<ApiTokenRecord, 'scopes' | 'mode'>): void {
  requireGrantable(caller.scopes, target.scopes);
  requireModeWithin(caller, target);
  const parent = caller.token;
  if (!parent) return;
  if (parent.expiresAt && (!target.expiresAt || target.expiresAt > parent.expiresAt)) throw ApiTokenRestrictedError.looser('expires later');
  if (parent.allowedIps && target.allowedIps !== parent.allowedIps) throw ApiTokenRestrictedError.looser('works from other addresses');
  if (higherThan(target.monthlyDocumentLimit, parent.monthlyDocumentLimit)) throw ApiTokenRestrictedError.looser('may make more documents a month');
  if (higherThan(target.rateLimitPerSecond, parent.rateLimitPerSecond) || higherThan(target.rateLimitPerMinute, parent.rateLimitPerMinute)) {
    throw ApiTokenRestrictedError.looser('may make more requests a second or a minute');
  }
}

/** A token with an allowlist, a monthly limit or a rate limit of its own cannot change that restriction on any token: it would loosen it. */
export function requireMayChangeRestrictions(caller: TokenCaller, change: { allowedIps: boolean; monthlyDocumentLimit: boolean; rateLimit: boolean }): void {
  const parent = caller.token;
  if (parent?.allowedIps && change.allowedIps) throw ApiTokenRestrictedError.locked('IP allowlist');
  if (parent && parent.monthlyDocumentLimit !== null && change.monthlyDocumentLimit) throw ApiTokenRestrictedError.locked('monthly document limit');
  if (parent && (parent.rateLimitPerSecond !== null || parent.rateLimitPerMinute !== null) && change.rateLimit) throw ApiTokenRestrictedError.locked('rate limit');
}
