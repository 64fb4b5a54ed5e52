// The audit trail: which events are recorded, who caused them, and the rules that bound the log
// (retention, the revoked-token throttle). The store writes each event in the transaction of the
// change it records (persistence/audit-store.ts); this file decides what an event is.
import { cursorInstant } from './cursors.js';
import { newId } from './ids.js';

export const AUDIT_EVENT_TYPES = [
  'SIGN_UP',
  'SIGN_IN_SUCCEEDED',
  'SIGN_IN_FAILED',
  'SIGN_OUT',
  'SESSION_EXPIRED',
  'SESSION_REVOKED',
  'TWO_FACTOR_ENABLED',
  'TWO_FACTOR_DISABLED',
  'RECOVERY_CODE_USED',
  'PLAN_CHOSEN',
  'PLAN_CHANGED',
  'PLAN_CANCELLED',
  'TOKEN_GENERATED',
  'TOKEN_RENAMED',
  'TOKEN_RESTRICTED',
  'TOKEN_ROLLED',
  'TOKEN_GRACE_ENDED',
  'TOKEN_DELETED',
  'TOKEN_DISABLED',
  'TOKEN_ENABLED',
  'TOKEN_EXPIRED',
  'TOKEN_EXPIRING',
  'TOKEN_LEAKED',
  'REVOKED_TOKEN_PRESENTED',
  'QUOTA_WARNING',
  'QUOTA_REACHED',
  'WEBHOOK_ENDPOINT_CREATED',
  'WEBHOOK_ENDPOINT_DELETED',
  'WEBHOOK_SECRET_ROTATED',
  'WEBHOOK_ENDPOINT_DISABLED',
  'WEBHOOK_ENDPOINT_ENABLED',
  'TEAM_CREATED',
  'TEAM_DELETED',
  'TEAM_TWO_FACTOR_POLICY_CHANGED',
  'MEMBER_INVITED',
  'INVITATION_REVOKED',
  'MEMBER_JOINED',
  'MEMBER_ROLE_CHANGED',
  'MEMBER_REMOVED',
  'MEMBER_LEFT',
  'EMAIL_VERIFIED',
  'EMAIL_CHANGED',
  'PASSWORD_RESET_REQUESTED',
  'PASSWORD_RESET',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Who caused an event: the account's session, an API token, the service itself, or a secret scanner. */
export type AuditActorType = 'SESSION' | 'API_TOKEN' | 'SYSTEM' | 'SCANNER';

export interface AuditActor {
  type: AuditActorType;
  /** The session's id, the token's id, or the scanner key's identifier; null for the system. */
  id: string | null;
  /** For a session: the person who acted, by account id and e-mail (a team has many). */
  user?: { id: string; email: string | null };
  clientAddress: string | null;
  userAgent: string | null;
}

export interface AuditEventRecord {
  id: string;
  accountId: string | null;
  type: AuditEventType;
  actorType: AuditActorType;
  actorId: string | null;
  actorUserId: string | null;
  actorEmail: string | null;
  tokenId: string | null;
  clientAddress: string | null;
  userAgent: string | null;
  /** The event's own facts as JSON text (where a leak was found, the old and new name, ...). */
  details: string | null;
  dedupeKey: string | null;
  createdAt: Date;
}

/** Builds a row to insert; the store puts it in the transaction of the change. */
export function auditEvent(
  type: AuditEventType,
  actor: AuditActor,
  at: Date,
  fields: { accountId: string | null; tokenId?: string | null; details?: Record<string, unknown> | null; dedupeKey?: string | null },
): AuditEventRecord {
  return {
    id: newId(at),
    accountId: fields.accountId,
    type,
    actorType: actor.type,
    actorId: actor.id,
    actorUserId: actor.user?.id ?? null,
    actorEmail: actor.user?.email ?? null,
    tokenId: fields.tokenId ?? null,
    clientAddress: actor.clientAddress,
    userAgent: actor.userAgent,
    details: fields.details ? JSON.stringify(fields.details) : null,
    dedupeKey: fields.dedupeKey ?? null,
    createdAt: at,
  };
}

/** The system itself (expiry, pruning): no address, no agent. */
export const SYSTEM_ACTOR: AuditActor = { type: 'SYSTEM', id: null, clientAddress: null, userAgent: null };

/**
 * A revoked token presented is recorded at most once per token, client and clock hour (UTC), so
 * that a client retrying in a loop cannot flood the log. The client is the rate limits' address
 * key (an IPv6 /64 is one client: its holder can pick any address in it). The key is the hour's
 * bucket: the unique index on dedupeKey makes the second insert in the same hour a no-op on every
 * instance, with no read first and no lock.
 */
export function revokedTokenPresentedKey(tokenId: string, addressKey: string, at: Date): string {
  return `revoked-presented:${tokenId}:${addressKey}:${at.toISOString().slice(0, 13)}`;
}

/**
 * However many clients present one revoked token, its owner's log (and webhooks) get at most this
 * many REVOKED_TOKEN_PRESENTED events an hour: a leaked secret replayed from a botnet must not
 * flood them. Checked before any write.
 */
export const REVOKED_TOKEN_EVENTS_PER_TOKEN_PER_HOUR = 20;

/**
 * A leaked secret is recorded once, however often a scanner reports (or replays) it; another
 * secret of the same token (the current one after the previous one leaked) is a leak of its own.
 * The secret's stored hash names it, never the secret.
 */
export const tokenLeakedKey = (tokenId: string, secretHash: string) => `leaked:${tokenId}:${secretHash}`;

/**
 * A token's expiry is announced (TOKEN_EXPIRING, the token.expiring webhook) this many days
 * before it, once each: a week to plan the roll, and a last call the day before.
 */
export const TOKEN_EXPIRING_NOTICE_DAYS = [7, 1] as const;

/** Once per token and notice: the sweep runs on every instance, the unique dedupe key keeps one. */
/** A token's expiry notice is written once per expiry it had: its first (version 0) and each changed one. */
export const tokenExpiringKey = (tokenId: string, daysBefore: number, expiryVersion = 0) =>
  `expiring:${tokenId}:${daysBefore}${expiryVersion === 0 ? '' : `:v${expiryVersion}`}`;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The notice due at `now` for a token expiring at `expiresAt`, in days before, or null: the
 * latest one whose moment has come, while the token still works. Only the latest, so that a sweep
 * that was down does not send a stale 7-day notice beside the 1-day one; and none whose moment
 * came before the token was made (a token made to live 3 days does not hear "7 days left").
 */
export function dueExpiringNotice(token: { createdAt: Date; expiresAt: Date }, now: Date): number | null {
  const left = token.expiresAt.getTime() - now.getTime();
  if (left <= 0) return null;
  const lifetime = token.expiresAt.getTime() - token.createdAt.getTime();
  const due = TOKEN_EXPIRING_NOTICE_DAYS.filter((days) => left <= days * DAY_MS && lifetime > days * DAY_MS);
  return due.length > 0 ? Math.min(...due) : null;
}

/** How far ahead the sweep looks: the earliest notice. */
export const TOKEN_EXPIRING_HORIZON_MS = Math.max(...TOKEN_EXPIRING_NOTICE_DAYS) * DAY_MS;

/** Events older than this are pruned. */
export function auditRetentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * 24 * 60 * 60 * 1000);
}

export interface AuditFilter {
  types?: readonly AuditEventType[];
  tokenId?: string;
  /** Events by one person of the team (their sessions). */
  actorUserId?: string;
  from?: Date;
  to?: Date;
}

/** Where a page starts: after the event with this time and id (newest first). */
export interface AuditCursor {
  createdAt: Date;
  id: string;
}

export interface AuditStore {
  /** Inserts events that are not part of another change (sign-in failures, sign-outs). */
  record(events: readonly AuditEventRecord[]): Promise<void>;
  /** Newest first; `first` + 1 rows are read so that the caller knows whether more follow. */
  list(accountId: string, filter: AuditFilter, after: AuditCursor | null, limit: number): Promise<AuditEventRecord[]>;
  /** Deletes every event created before the cutoff; returns how many. */
  pruneBefore(cutoff: Date): Promise<number>;
  /** Writes TOKEN_EXPIRED once for each token past its expiry; returns how many were new. */
  recordExpiredTokens(now: Date): Promise<number>;
  /** Writes TOKEN_EXPIRING once per token and due notice (dueExpiringNotice); returns how many were new. */
  recordExpiringTokens(now: Date): Promise<number>;
  /** Whether the person signed in with this User-Agent since `since` (a new browser is told by mail). */
  hasSignedInWith(personId: string, userAgent: string | null, since: Date): Promise<boolean>;
  /** The token's newest leak event, if one was reported. */
  findLeak(tokenId: string): Promise<AuditEventRecord | null>;
  /** The newest leak event of each of these tokens, in one read (a page of tokens asks for all of its rows at once). */
  findLeaks(tokenIds: readonly string[]): Promise<Map<string, AuditEventRecord>>;
}

const CURSOR_PREFIX = 'audit:';

export function encodeAuditCursor(cursor: AuditCursor): string {
  return Buffer.from(`${CURSOR_PREFIX}${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

/** null for anything that is not a cursor this service made. */
export function decodeAuditCursor(text: string): AuditCursor | null {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  if (!decoded.startsWith(CURSOR_PREFIX)) return null;
  const [time, id] = decoded.slice(CURSOR_PREFIX.length).split('|');
  const createdAt = cursorInstant(time);
  if (!id || !createdAt) return null;
  return { createdAt, id };
}

export interface AuditPage {
  events: AuditEventRecord[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export const MAX_AUDIT_PAGE_SIZE = 100;

/** The account's view of the trail, and the retention prune. */
export class AuditLog {
  constructor(
    private readonly store: AuditStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Newest first, `first` at a time (at most MAX_AUDIT_PAGE_SIZE). `after` is null for an unknown cursor. */
  async page(accountId: string, filter: AuditFilter, first: number, after: AuditCursor | null): Promise<AuditPage> {
    const size = Math.min(Math.max(1, first), MAX_AUDIT_PAGE_SIZE);
    const rows = await this.store.list(accountId, filter, after, size + 1);
    const events = rows.slice(0, size);
    const last = events.at(-1);
    return { events, hasNextPage: rows.length > size, endCursor: last ? encodeAuditCursor(last) : null };
  }

  /**
   * Every event of the filter, newest first, a page at a time: the whole range for an export,
   * read as it is written out, never held whole.
   */
  async *everyEvent(accountId: string, filter: AuditFilter): AsyncGenerator<AuditEventRecord[]> {
    let after: AuditCursor | null = null;
    for (;;) {
      const rows = await this.store.list(accountId, filter, after, MAX_AUDIT_PAGE_SIZE);
      if (rows.length > 0) yield rows;
      if (rows.length < MAX_AUDIT_PAGE_SIZE) return;
      after = rows.at(-1)!;
    }
  }

  findLeak(tokenId: string): Promise<AuditEventRecord | null> {
    return this.store.findLeak(tokenId);
  }

  findLeaks(tokenIds: readonly string[]): Promise<Map<string, AuditEventRecord>> {
    return this.store.findLeaks(tokenIds);
  }

  /** The system's periodic work: expiry events. Safe on every instance at once. */
  recordExpiredTokens(): Promise<number> {
    return this.store.recordExpiredTokens(this.now());
  }

  /** The system's periodic work: the 7-day and 1-day expiry notices. Safe on every instance at once. */
  recordExpiringTokens(): Promise<number> {
    return this.store.recordExpiringTokens(this.now());
  }

  /** Deletes what is past retention; returns how many events went. */
  prune(retentionDays: number): Promise<number> {
    return this.store.pruneBefore(auditRetentionCutoff(this.now(), retentionDays));
  }
}
