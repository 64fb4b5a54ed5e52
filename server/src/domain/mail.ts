// What mail the service sends, to whom, and the rules that bound the outbox. Every message is
// written to the outbox in the transaction of the change that causes it (persistence/mail-store.ts),
// from the change's audit event or as a message of its own (OutgoingMail); mail/ delivers it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditEventRecord, AuditEventType } from './audit.js';
import { newId } from './ids.js';
import { generateSecret, hashSecret } from './secrets.js';

/** The account's own messages (a link to follow, a notice that a password or address changed, an invitation): always sent. */
const ACCOUNT_MAIL_KINDS = ['VERIFY_EMAIL', 'PASSWORD_RESET', 'PASSWORD_CHANGED', 'EMAIL_CHANGED', 'TEAM_INVITATION'] as const;

/** The kinds a person can turn on and off (notificationPreferences), in the order the dashboard lists them. */
export const NOTIFICATION_KINDS = [
  'TOKEN_LEAKED',
  'NEW_SIGN_IN',
  'TOKEN_EXPIRING',
  'TOKEN_EXPIRED',
  'QUOTA_WARNING',
  'QUOTA_REACHED',
  'REVOKED_TOKEN_USED',
  'MEMBER_JOINED',
  'REMOVED_FROM_TEAM',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Every kind of message. */
export const MAIL_KINDS = [...ACCOUNT_MAIL_KINDS, ...NOTIFICATION_KINDS] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/**
 * Security notices: always sent, never with an unsubscribe link, first in the outbox and never
 * given up for a team's cap. A leaked secret and a sign-in from a new browser are things a person
 * must hear of even if they turned everything else off (GitHub, Stripe and Cloudflare do the same).
 */
export const SECURITY_MAIL_KINDS: ReadonlySet<MailKind> = new Set<MailKind>([...ACCOUNT_MAIL_KINDS, 'TOKEN_LEAKED', 'NEW_SIGN_IN']);

export const isNotificationKind = (kind: string): kind is NotificationKind => (NOTIFICATION_KINDS as readonly string[]).includes(kind);
export const mayTurnOff = (kind: MailKind) => isNotificationKind(kind) && !SECURITY_MAIL_KINDS.has(kind);

/**
 * The team's notifications, from the audit event of what happened: each goes to the team's owners
 * and admins (a personal team: its person) whose address is verified and who have not turned the
 * kind off. Viewers and developers can read the same in Activity; mail is for those who act.
 */
export const TEAM_NOTIFICATION_OF: Partial<Record<AuditEventType, NotificationKind>> = {
  TOKEN_LEAKED: 'TOKEN_LEAKED',
  TOKEN_EXPIRING: 'TOKEN_EXPIRING',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  QUOTA_WARNING: 'QUOTA_WARNING',
  QUOTA_REACHED: 'QUOTA_REACHED',
  REVOKED_TOKEN_PRESENTED: 'REVOKED_TOKEN_USED',
  MEMBER_JOINED: 'MEMBER_JOINED',
};
export const TEAM_NOTIFICATION_ROLES = ['OWNER', 'ADMIN'] as const;

/**
 * Which of a team's notifications may be sent only once in a while, and the key of that while: a
 * revoked token replayed in a loop is recorded up to REVOKED_TOKEN_EVENTS_PER_TOKEN_PER_HOUR times an
 * hour, but mailed once per token and hour. Others: once per event.
 */
export function teamNotificationKey(kind: NotificationKind, event: AuditEventRecord): string {
  if (kind === 'REVOKED_TOKEN_USED') return `${kind}:${event.tokenId}:${event.createdAt.toISOString().slice(0, 13)}`;
  return `${kind}:${event.id}`;
}

/** A message of its own, written by a change with its audit events (an address, or a person by id). */
export interface OutgoingMail {
  mailKind: MailKind;
  /** The team the message is about (its cap), or the person's own account. */
  accountId: string;
  to: { address: string } | { personId: string };
  /** Facts for the template; a link's secret goes in `secret`, removed once the message is sent. */
  payload: MailPayload;
  createdAt: Date;
  /** The message's id: the same key twice sends once. */
  key: string;
}

export interface MailPayload {
  /** A link's secret (verification, reset, invitation); the outbox drops it once sent. */
  secret?: string;
  [fact: string]: unknown;
}

/** A link a change sends (verification, reset): only its secret's hash is stored. */
export interface NewEmailLink {
  linkPurpose: EmailLinkPurpose;
  id: string;
  userId: string;
  /** The address it is sent to: the one it verifies, or the one a reset must still be the account's. */
  email: string;
  secretHash: string;
  createdAt: Date;
  expiresAt: Date;
}

/** What a change records: its audit events, the links it makes and the messages it sends. */
export type ChangeRecord = AuditEventRecord | OutgoingMail | NewEmailLink;
export const isOutgoingMail = (record: ChangeRecord): record is OutgoingMail => 'mailKind' in record;
export const isNewEmailLink = (record: ChangeRecord): record is NewEmailLink => 'linkPurpose' in record;

/** What the outbox keeps of a message once it is sent or given up: no link's secret. */
export function withoutSecret(payload: string): string {
  const { secret: _secret, ...rest } = JSON.parse(payload) as MailPayload;
  return JSON.stringify(rest);
}

/** The facts of an audit event that its notification shows. */
export function notificationPayload(event: AuditEventRecord): MailPayload {
  return {
    eventType: event.type,
    tokenId: event.tokenId,
    at: event.createdAt.toISOString(),
    clientAddress: event.clientAddress,
    userAgent: event.userAgent,
    details: event.details ? (JSON.parse(event.details) as unknown) : null,
  };
}

// -- the outbox's rules --

/** A claim holds a message this long: an attempt (every SMTP timeout included) ends well before. */
export const MAIL_LEASE_MS = 2 * 60 * 1000;
/** Retries for a day, then the message is given up (a dead letter the operator sees). */
export const MAIL_RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;
export const MAIL_RETRIES_RAN_OUT = 'retries ran out';
export const MAIL_OVER_CAP = 'over the team’s cap of waiting messages';
/**
 * Waiting messages a team may have; past it, its oldest notifications are given up (security
 * notices never are). A team's burst cannot hold up everyone else's mail: the claim also takes
 * teams in turn.
 */
export const MAIL_MAX_WAITING_PER_TEAM = 200;

/** When to try again after the `attempt`th failed attempt: 30 s, 1 min, 2 min, … at most an hour apart, within the day. */
export function nextMailAttempt(createdAt: Date, attempt: number, failedAt: Date): Date | null {
  const delayMs = Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 60 * 60 * 1000);
  const next = new Date(failedAt.getTime() + delayMs);
  return next.getTime() - createdAt.getTime() > MAIL_RETRY_WINDOW_MS ? null : next;
}

// -- links sent by mail --

/** Mail a person can make the service send to themselves, an hour: enough to retry, too few to flood. */
export const MAIL_LINKS_PER_PERSON_PER_HOUR = 5;
/** Reset requests from one client address an hour, whatever the addresses asked for. */
export const PASSWORD_RESETS_PER_IP_PER_HOUR = 20;
/** Reset links one address gets an hour; further requests are answered the same and send nothing. */
export const PASSWORD_RESET_MAILS_PER_PERSON_PER_HOUR = 3;

export type EmailLinkPurpose = 'VERIFY_EMAIL' | 'PASSWORD_RESET';
export const EMAIL_LINK_VALID_MS: Record<EmailLinkPurpose, number> = {
  VERIFY_EMAIL: 24 * 60 * 60 * 1000,
  PASSWORD_RESET: 60 * 60 * 1000,
};

/** A link and the message that carries it, for the change that sends it. */
export function linkRecords(purpose: EmailLinkPurpose, person: { id: string; email: string }, now: Date): { secret: string; records: [NewEmailLink, OutgoingMail] } {
  const secret = generateSecret('emailLink');
  const id = `link_${newId(now)}`;
  const link: NewEmailLink = {
    linkPurpose: purpose,
    id,
    userId: person.id,
    email: person.email,
    secretHash: hashSecret(secret),
    createdAt: now,
    expiresAt: new Date(now.getTime() + EMAIL_LINK_VALID_MS[purpose]),
  };
  return { secret, records: [link, message(purpose, person.id, { address: person.email }, { secret, validUntil: link.expiresAt.toISOString() }, now, id)] };
}

/** A message of a change's own, keyed by what it is about so that it is written once. */
export function message(kind: MailKind, accountId: string, to: OutgoingMail['to'], payload: OutgoingMail['payload'], now: Date, key: string): OutgoingMail {
  return { mailKind: kind, accountId, to, payload, createdAt: now, key: `${kind}:${key}` };
}

// -- one-click unsubscribe (RFC 8058) --

/** The signature of a person's unsubscribe link for one kind, with their mail key. */
export function unsubscribeSignature(mailKey: string, personId: string, kind: NotificationKind): string {
  return createHmac('sha256', mailKey).update(`unsubscribe:${personId}:${kind}`).digest('base64url');
}

export function unsubscribeSignatureMatches(mailKey: string, personId: string, kind: NotificationKind, signature: string): boolean {
  const expected = Buffer.from(unsubscribeSignature(mailKey, personId, kind));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// -- the stores --

export interface ClaimedMail {
  id: string;
  accountId: string;
  recipientId: string | null;
  toAddress: string;
  kind: MailKind;
  payload: string;
  createdAt: Date;
  attemptCount: number;
}

export type MailAttemptOutcome =
  | { sent: true }
  | { sent: false; error: string; retryAt: Date | null; reason?: string };

export interface MailRecipient {
  id: string;
  email: string | null;
  mailKey: string;
}

export interface MailStore {
  /** Claims up to `limit` due messages, security notices first, then teams in turn. */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedMail[]>;
  /** Records an attempt: sent (the link's secret is dropped), retried at retryAt, or given up. */
  recordAttempt(message: ClaimedMail, at: Date, outcome: MailAttemptOutcome): Promise<void>;
  /** The person a message goes to, with their unsubscribe key (made now if they had none). */
  recipient(personId: string): Promise<MailRecipient | null>;
  /** The names a message shows: its team's and its token's. */
  names(accountId: string, tokenId: string | null): Promise<{ teamName: string | null; teamEmail: string | null; tokenName: string | null }>;
  giveUpOverCap(cap: number, now: Date): Promise<number>;
  prune(cutoff: Date): Promise<number>;
  /** Dead letters: messages given up for any reason but the cap (the operator's gauge). */
  deadLetterCount(): Promise<number>;
  optOuts(personId: string): Promise<Set<string>>;
  setOptOut(personId: string, kind: NotificationKind, off: boolean, at: Date): Promise<void>;
  mailKeyOf(personId: string): Promise<string | null>;
}
