// What the domain needs from storage. The persistence layer implements these;
// the domain never sees Prisma or SQL.
// (Over 200 lines: it is only interfaces and record types, one block per store; splitting it
// would scatter the one contract persistence/ implements.)
import type { RequestLogEntry } from './request-log.js';
import type { AuditEventRecord } from './audit.js';
import type { ChangeRecord } from './mail.js';

/** A team (domain/teams.ts); a person's personal team has their e-mail and password, another team a name. */
export interface AccountRecord {
  id: string;
  email: string | null;
  passwordHash: string | null;
  name: string | null;
  /** Since when the team admits only members with two-factor sign-in on; null: it does not ask. */
  twoFactorRequiredAt: Date | null;
  /** When the person proved they read mail at `email`; null for a team, and until they do. */
  emailVerifiedAt: Date | null;
  planId: string | null;
  planActivatedAt: Date | null;
  planCancelledAt: Date | null;
  createdAt: Date;
}

/** A person: the account they sign in with, which is their personal team. */
export type PersonRecord = AccountRecord & { email: string; passwordHash: string };

export interface ApiTokenRecord {
  id: string;
  accountId: string;
  name: string;
  preview: string;
  documentCount: number;
  lastUsedAt: Date | null;
  /** The client address and User-Agent of the last document. */
  lastUsedAddress: string | null;
  lastUsedUserAgent: string | null;
  createdAt: Date;
  deletedAt: Date | null;
  /** Disabled since: refused, but holding its slot; null while enabled. */
  disabledAt: Date | null;
  /** Null: never expires. */
  expiresAt: Date | null;
  /** While a rolled-out secret is in its grace period: when it stops working. */
  previousSecretValidUntil: Date | null;
  /** Documents made with the previous secret since the roll, and the last one's time, address and agent. */
  previousSecretUseCount: number;
  previousSecretLastUsedAt: Date | null;
  previousSecretLastUsedAddress: string | null;
  previousSecretLastUsedUserAgent: string | null;
  /** The stored IP allowlist (domain/token-restrictions.ts); null: any address. */
  allowedIps: string | null;
  monthlyDocumentLimit: number | null;
  /** Its own document rate limits (token-rate-limits.ts); null: its plan's. */
  rateLimitPerSecond: number | null;
  rateLimitPerMinute: number | null;
  /** Documents counted in monthlyCountMonth ("2026-12"). */
  monthlyDocumentCount: number;
  monthlyCountMonth: string | null;
  /** What the token may do: token-scopes.ts's StoredScopes (a string here, so that this file imports no rule). */
  scopes: string;
  /** LIVE or TEST (token-modes.ts). */
  mode: string;
}

/** What updateToken may change; an absent field stays as it is, null removes a restriction. */
export interface TokenChanges {
  name?: string;
  allowedIps?: string | null;
  monthlyDocumentLimit?: number | null;
  rateLimitPerSecond?: number | null;
  rateLimitPerMinute?: number | null;
  scopes?: string;
}

export interface NewToken {
  accountId: string;
  name: string;
  secretHash: string;
  preview: string;
  expiresAt: Date | null;
  scopes: string;
  /** Set when a restricted token made it (domain/token-scopes.ts, inheritedRestrictions). */
  allowedIps: string | null;
  monthlyDocumentLimit: number | null;
  rateLimitPerSecond: number | null;
  rateLimitPerMinute: number | null;
  /** LIVE or TEST, for good. */
  mode: string;
}

export type UpdateTokenResult = { outcome: 'updated'; token: ApiTokenRecord } | { outcome: 'not-found' } | { outcome: 'deleted' };

/**
 * ACTIVE: usable tokens. DELETED: the Deleted tab, which also lists expired tokens.
 * EXPIRED: expired tokens only.
 */
export type TokenStatus = 'ACTIVE' | 'DELETED' | 'EXPIRED';

/** A token found by its secret's hash, with what is needed to decide whether it may be used. */
export interface TokenForAuthentication {
  token: ApiTokenRecord;
  /** False once generateToken reclaimed the slot of this expired token: it never works again. */
  holdsSlot: boolean;
  /** Whether the hash was the previous secret's (see previousSecretValidUntil), not the current one. */
  matchedPreviousSecret: boolean;
  accountPlanId: string | null;
  accountPlanCancelledAt: Date | null;
  /** The account's documents in the billing period the lookup was asked about (0 before its first). */
  accountPeriodDocumentCount: number;
}

/**
 * What a change records in the audit trail, given the row as the change left it: its events, which
 * the store writes in the change's own transaction, so that no change commits without them. Every
 * write of a store takes one; a change that records nothing returns [].
 */
export type ChangeRecords<Row> = (row: Row) => readonly ChangeRecord[];

/** A new session's secret (its hash) and expiry. */
export interface NewSessionInput {
  secretHash: string;
  expiresAt: Date;
  /** Where and with what the sign-in came (kept to USER_AGENT_MAX_LENGTH). */
  clientAddress: string | null;
  userAgent: string | null;
}

/** A session as the list of sessions shows it: never its secret. */
export interface SessionListing {
  id: string;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date | null;
  clientAddress: string | null;
  userAgent: string | null;
}

/** A stored session, as a change to it records it. */
export interface SessionRecord {
  id: string;
  accountId: string;
}

/** An account as a plan change left it, with its documents in the change's billing period (read in the change's transaction). */
export interface PlanChange {
  account: AccountRecord;
  periodDocumentCount: number;
}

export interface AccountStore {
  /** The account, its first session and their events commit together. Returns null when the email is taken. */
  create(
    input: { email: string; passwordHash: string },
    firstSession: NewSessionInput,
    records: ChangeRecords<{ account: AccountRecord; session: SessionRecord }>,
  ): Promise<PersonRecord | null>;
  /** The person who signs in with this e-mail (a team has none). */
  findByEmail(email: string): Promise<PersonRecord | null>;
  findById(id: string): Promise<AccountRecord | null>;
  /**
   * The transaction also reads the account's documents in the billing period of `at`, so that the
   * events can say what the new plan makes of them (domain/metering.ts, quotaEventOfPlanChange).
   */
  setPlan(id: string, planId: string, at: Date, records: ChangeRecords<PlanChange>): Promise<AccountRecord>;
  cancelPlan(id: string, at: Date, records: ChangeRecords<AccountRecord>): Promise<AccountRecord>;
}

/** An unexpired session, with the person it signs in. */
export interface SessionWithAccount {
  id: string;
  expiresAt: Date;
  lastSeenAt: Date | null;
  account: PersonRecord;
}

export interface SessionStore {
  create(input: NewSessionInput & { accountId: string }, records: ChangeRecords<SessionRecord>): Promise<SessionRecord>;
  /** A session that exists but has expired, for the audit trail; null otherwise. */
  findExpired(secretHash: string, now: Date): Promise<SessionRecord | null>;
  /** An unexpired session and its account; null when unknown or expired. */
  findSession(secretHash: string, now: Date): Promise<SessionWithAccount | null>;
  /** Deletes the session; returns it, or null when there was none (e.g. signed out already). */
  delete(secretHash: string, records: ChangeRecords<SessionRecord>): Promise<SessionRecord | null>;
  /** The account's unexpired sessions, most recently seen first. */
  list(accountId: string, now: Date): Promise<SessionListing[]>;
  /** Records a request with the session at `at`, unless one was recorded after `unlessAfter`. */
  touch(sessionId: string, at: Date, unlessAfter: Date): Promise<void>;
  /** Deletes the account's sessions with these ids, each with its records; returns those deleted. */
  deleteByIds(accountId: string, sessionIds: readonly string[], records: ChangeRecords<SessionRecord>): Promise<SessionRecord[]>;
}

export type CreateTokenResult =
  | { outcome: 'created'; token: ApiTokenRecord }
  | { outcome: 'limit-reached' };

export type RollTokenResult =
  | { outcome: 'rolled'; token: ApiTokenRecord }
  | { outcome: 'not-found' }
  | { outcome: 'deleted' }
  | { outcome: 'expired' };

/** Where a document came from, stamped on its token by the statement that counts it. */
export interface TokenUse {
  at: Date;
  clientAddress: string;
  userAgent: string | null;
  /** Made with the secret a roll replaced, in its grace period: counted on the previous secret too (absent: the current secret). */
  previousSecret?: boolean;
  /** Made by a test-mode token: counted on the token only, never in the account's period, quota or usage. */
  testMode?: boolean;
}

export type ChangeExpiryResult = { outcome: 'changed'; token: ApiTokenRecord } | { outcome: 'not-found' } | { outcome: 'unusable' };

export type DisableTokenResult =
  | { outcome: 'changed'; token: ApiTokenRecord }
  | { outcome: 'unchanged'; token: ApiTokenRecord }
  | { outcome: 'not-found' }
  | { outcome: 'unusable' };

export type DeleteTokenResult =
  | { outcome: 'deleted'; token: ApiTokenRecord }
  | { outcome: 'not-found' }
  | { outcome: 'already-deleted' };

export interface TokenStore {
  /**
   * Inserts an active token unless the account already has `limit` active ones.
   * Must hold under concurrency and across processes: the database enforces it, not memory.
   */
  createWithinLimit(
    input: NewToken,
    limit: number,
    now: Date,
    records: ChangeRecords<ApiTokenRecord>,
  ): Promise<CreateTokenResult>;
  list(accountId: string, status: TokenStatus, now: Date): Promise<ApiTokenRecord[]>;
  countActive(accountId: string, now: Date): Promise<number>;
  findOwned(accountId: string, tokenId: string): Promise<ApiTokenRecord | null>;
  /** The account's tokens among these ids, active or not, in one read. */
  findOwnedMany(accountId: string, tokenIds: readonly string[]): Promise<ApiTokenRecord[]>;
  findById(tokenId: string): Promise<ApiTokenRecord | null>;
  /** Renames a token or changes its restrictions, unless it was deleted. */
  update(accountId: string, tokenId: string, changes: TokenChanges, records: ChangeRecords<ApiTokenRecord>): Promise<UpdateTokenResult>;
  softDelete(accountId: string, tokenId: string, at: Date, records: ChangeRecords<ApiTokenRecord>): Promise<DeleteTokenResult>;
  /**
   * Disables (at a date) or enables (null) a token in the Active tab, with its records; 'unchanged'
   * when it already was, and writes nothing then.
   */
  setDisabled(accountId: string, tokenId: string, disabledAt: Date | null, now: Date, records: ChangeRecords<ApiTokenRecord>): Promise<DisableTokenResult>;
  /**
   * Moves the expiry of a token of the Active tab (usable at `now`); its expiry notices may come
   * again for the new date. 'unusable' for a deleted or expired one.
   */
  changeExpiry(accountId: string, tokenId: string, expiresAt: Date | null, now: Date, records: ChangeRecords<ApiTokenRecord>): Promise<ChangeExpiryResult>;
  /** Ends the previous secret's grace period at `at`; null when it had none running (or no such token). */
  endGracePeriod(accountId: string, tokenId: string, at: Date, records: ChangeRecords<ApiTokenRecord>): Promise<ApiTokenRecord | null>;
  /**
   * Gives a usable token a new secret, atomically: the current one becomes the previous one,
   * valid until `previousValidUntil`, and the secret it replaces (if any) stops at once.
   */
  roll(
    accountId: string,
    tokenId: string,
    next: { secretHash: string; preview: string; previousValidUntil: Date },
    now: Date,
    records: ChangeRecords<ApiTokenRecord>,
  ): Promise<RollTokenResult>;
  /**
   * The token whose current or previous secret has this hash, with its account's plan and the
   * account's documents in `period`: one read, so that a document over the quota is refused
   * before it is rendered at no extra statement.
   */
  findForAuthentication(secretHash: string, period: string): Promise<TokenForAuthentication | null>;
  /**
   * Adds one document to a usable token's count, to its account's billing period and to the
   * token's hourly usage, and stamps the use: all in one transaction, or nothing (domain/metering.ts).
   */
  recordDocument(tokenId: string, use: TokenUse): Promise<RecordDocumentResult>;
}

export type RecordDocumentResult =
  /** Counted: the token's new count and the account's documents this billing period. */
  | { outcome: 'counted'; documentCount: number; periodDocumentCount: number | null }
  /** The account has used its plan's quota this period: nothing was counted. */
  | { outcome: 'quota-exceeded' }
  /** The account has made its test-mode documents of this period (token-modes.ts): nothing was counted. */
  | { outcome: 'test-quota-exceeded' }
  /** The token was deleted, expired or reached its own limit in the meantime: nothing was counted. */
  | { outcome: 'unusable' };

/** A request's hold on an idempotency key: the token, the key, and which request holds it. */
export interface IdempotencyClaim {
  tokenId: string;
  key: string;
  claimId: string;
}

/** The document a key's first request made, as its response said. */
export interface StoredDocument {
  content: string;
  documentCount: number;
  usedAt: Date;
}

export type ClaimKeyResult =
  /** The key is this request's: render, then complete or release it. */
  | { outcome: 'claimed' }
  /** An earlier request with the key made this document. */
  | { outcome: 'completed'; requestHash: string; document: StoredDocument }
  /** An earlier request with the key is still being made; `claimedAt` is when it took the key (unknown if the claim just went). */
  | { outcome: 'in-progress'; requestHash: string; claimedAt?: Date };

export type CompleteKeyResult =
  | { outcome: 'counted'; documentCount: number; periodDocumentCount: number | null }
  /** The token was deleted in the meantime: nothing was counted or stored. */
  | { outcome: 'token-deleted' }
  /** The account has used its plan's quota this period: nothing was counted or stored. */
  | { outcome: 'quota-exceeded' }
  /** The account has made its test-mode documents of this period: nothing was counted or stored. */
  | { outcome: 'test-quota-exceeded' }
  /** The claim was taken over (it outlived its lease): nothing was counted or stored. */
  | { outcome: 'claim-lost' };

export interface IdempotencyStore {
  /**
   * Claims the key for a request, atomically and across processes (the database decides): a new
   * key, an expired one (claimed before `expiredBefore`) and an abandoned claim (claimed before
   * `abandonedBefore` and never completed) become this request's; otherwise tells what holds it.
   */
  claim(input: IdempotencyClaim & { requestHash: string; at: Date; expiredBefore: Date; abandonedBefore: Date }): Promise<ClaimKeyResult>;
  /**
   * Adds one document to the token's count and stores the document under the claim, in one
   * transaction: no crash can leave a counted document without its stored result, or the reverse.
   */
  complete(claim: IdempotencyClaim, content: string, use: TokenUse): Promise<CompleteKeyResult>;
  /** Frees a claim whose request failed (nothing was counted), so that a retry can run. */
  release(claim: IdempotencyClaim): Promise<void>;
  /** Deletes at most `limit` keys claimed before `expiredBefore`; returns how many. */
  pruneExpired(expiredBefore: Date, limit: number): Promise<number>;
}

/**
 * One counted document, as the live feed carries it: the token's new count and the account's
 * usage this billing period travel in the same event (one fan-out for both).
 */
export interface DocumentCounted {
  tokenId: string;
  documentCount: number;
  lastUsedAt: Date;
  /** The billing period ("2026-12") and the account's documents in it after this one; absent for a test-mode document, which leaves the period as it was. */
  period?: string;
  periodDocumentCount?: number;
}

/**
 * What the domain announces to live subscribers, on every instance. The live events implement it
 * (graphql/events.ts); the domain neither knows nor waits for who is listening.
 */
export interface LiveAnnouncements {
  /** A document was counted on a token: its new count and when it was used. */
  documentCounted(accountId: string, change: DocumentCounted): void;
  /** A session was signed out: whatever it opened ends. */
  sessionEnded(sessionId: string): void;
  /** The account's plan was cancelled: its live counts end until a plan is chosen again. */
  planEnded(accountId: string): void;
  /** A person left or was removed from a team: what they opened on it ends. */
  memberRemoved(teamId: string, userId: string): void;
  /** Audit events committed (any store's transaction): the live Activity view of their accounts gets them. */
  auditEventsRecorded(events: readonly AuditEventRecord[]): void;
  /** A batch of the request log was written: the live Requests views of their accounts get the entries. */
  requestsLogged(entries: readonly RequestLogEntry[]): void;
}

/** A stored usage bucket: its first instant and the documents counted in it. */
export interface UsageBucket {
  at: Date;
  documentCount: number;
}

/** Whose usage a query reads: one token (deleted ones included) or the whole account. */
export type UsageSubject = { accountId: string; tokenId?: string };

/**
 * The metered usage (domain/metering.ts). Writing it is part of TokenStore.recordDocument, in the
 * transaction that counts the document; this port reads it and prunes it.
 */
export interface UsageStore {
  /** The account's documents in a billing period, and its plan as it is now. */
  periodUsage(accountId: string, period: string): Promise<{ used: number; planId: string | null }>;
  /** Hourly buckets in [from, to) that hold documents, oldest first. */
  hourly(subject: UsageSubject, from: Date, to: Date): Promise<UsageBucket[]>;
  /** Daily buckets in [from, to): rolled-up days and the hours not yet rolled up, summed by day. */
  daily(subject: UsageSubject, from: Date, to: Date): Promise<UsageBucket[]>;
  /**
   * Moves the hourly buckets of whole days before `before` into daily ones, at most `maxDays` days
   * per call, each day in one transaction. Returns the hourly rows it removed.
   */
  rollUpHoursBefore(before: Date, maxDays: number): Promise<number>;
}

/** An account's second factor, as the store keeps it. */
export interface TwoFactorRecord {
  secret: string | null;
  pendingSecret: string | null;
  enabledAt: Date | null;
  lastTimeStep: number | null;
}

export interface TwoFactorStore {
  find(accountId: string): Promise<TwoFactorRecord | null>;
  /** Starts (or starts again) an enrolment with this secret; an enabled factor stays as it is. */
  setPending(accountId: string, secret: string): Promise<void>;
  /**
   * Enables the pending secret, if it is still `secret`, with the time step of the code that
   * confirmed it and new recovery codes (their hashes; earlier ones are deleted). False when the
   * pending secret changed meanwhile.
   */
  enable(accountId: string, secret: string, at: Date, timeStep: number, recoveryCodeHashes: readonly string[], records: ChangeRecords<unknown>): Promise<boolean>;
  /** Accepts a code's time step once: false when it is not after the last one accepted. */
  acceptTimeStep(accountId: string, timeStep: number): Promise<boolean>;
  /** Uses a recovery code once: false when it is unknown or used. */
  useRecoveryCode(accountId: string, codeHash: string, at: Date, records: ChangeRecords<unknown>): Promise<boolean>;
  /** How many unused recovery codes are left. */
  recoveryCodesLeft(accountId: string): Promise<number>;
  /** Removes the factor and its recovery codes. */
  disable(accountId: string, records: ChangeRecords<unknown>): Promise<void>;
}
