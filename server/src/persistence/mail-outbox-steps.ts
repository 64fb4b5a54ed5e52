// The steps that put mail in the outbox, and the links it carries, inside the transaction of the
// change that causes it (audit-event-steps.ts calls them for every record of a change). The recipients are decided in
// the same statement, from the rows as the transaction sees them: who is an owner or admin, whose
// address is verified, who turned the kind off. The message's id is its deduplication key, so a
// second insert of the same message is a no-op on any instance.
import type { AuditEventRecord } from '../domain/audit.js';
import {
  isNotificationKind,
  mayTurnOff,
  notificationPayload,
  TEAM_NOTIFICATION_OF,
  TEAM_NOTIFICATION_ROLES,
  teamNotificationKey,
  type NewEmailLink,
  type OutgoingMail,
} from '../domain/mail.js';
import type { SqlStatement, SqlStep } from './sql-driver.js';

const COLUMNS = `"id", "accountId", "recipientId", "toAddress", "kind", "payload", "createdAt", "nextAttemptAt", "attemptCount"`;
const ROLES = TEAM_NOTIFICATION_ROLES.map((role) => `'${role}'`).join(', ');

// Whether the person may get the kind: $v = 1 asks for a verified address, $o = 1 for the kind
// not to be turned off.
const mayReceive = (kind: string, verified: string, optOut: string) =>
  `p."email" IS NOT NULL AND (CAST(${verified} AS INTEGER) = 0 OR p."emailVerifiedAt" IS NOT NULL)
    AND (CAST(${optOut} AS INTEGER) = 0 OR NOT EXISTS (SELECT 1 FROM "MailOptOut" o WHERE o."userId" = p."id" AND o."kind" = CAST(${kind} AS TEXT)))`;

// Joined on the audit row this very transaction inserted, as the webhook outbox is: an event whose
// insert was a no-op (its dedupe key) notifies nobody again. Nobody is mailed about what they did
// themselves (who joined is not told that they joined).
const TEAM_NOTIFICATION: SqlStatement = {
  name: 'mail_team_notification',
  text: `INSERT INTO "MailMessage" (${COLUMNS})
    SELECT 'mail:' || CAST($2 AS TEXT) || ':' || p."id", a."accountId", p."id", p."email", CAST($3 AS TEXT), CAST($4 AS TEXT), a."createdAt", a."createdAt", 0
    FROM "AuditEvent" a JOIN "Account" p
      ON p."id" = a."accountId" OR p."id" IN (SELECT m."userId" FROM "Membership" m WHERE m."teamId" = a."accountId" AND m."role" IN (${ROLES}))
    WHERE a."id" = $1 AND ${mayReceive('$3', '1', '$5')} AND (a."actorUserId" IS NULL OR p."id" <> a."actorUserId")
    ON CONFLICT ("id") DO NOTHING`,
};

const TO_ADDRESS: SqlStatement = {
  name: 'mail_to_address',
  text: `INSERT INTO "MailMessage" (${COLUMNS}) VALUES ($1, $2, NULL, $3, $4, $5, $6, $6, 0) ON CONFLICT ("id") DO NOTHING`,
};

const TO_PERSON: SqlStatement = {
  name: 'mail_to_person',
  text: `INSERT INTO "MailMessage" (${COLUMNS})
    SELECT $1, $2, p."id", p."email", CAST($4 AS TEXT), CAST($5 AS TEXT), $6, $6, 0
    FROM "Account" p WHERE p."id" = $3 AND ${mayReceive('$4', '$7', '$8')}
    ON CONFLICT ("id") DO NOTHING`,
};

const flag = (on: boolean) => (on ? 1 : 0);

/** The team's notification of an audit event (TEAM_NOTIFICATION_OF), or null when it has none. */
export function teamNotificationStep(event: AuditEventRecord): SqlStep | null {
  const kind = TEAM_NOTIFICATION_OF[event.type];
  if (!kind || !event.accountId) return null;
  return { statement: TEAM_NOTIFICATION, params: [event.id, teamNotificationKey(kind, event), kind, JSON.stringify(notificationPayload(event)), flag(mayTurnOff(kind))] };
}

/** A message of a change's own: to an address as given, or to a person at their address now. */
export function outgoingMailStep(mail: OutgoingMail): SqlStep {
  const id = `mail:${mail.key}`;
  const payload = JSON.stringify(mail.payload);
  if ('address' in mail.to) {
    return { statement: TO_ADDRESS, params: [id, mail.accountId, mail.to.address, mail.mailKind, payload, mail.createdAt] };
  }
  return {
    statement: TO_PERSON,
    params: [id, mail.accountId, mail.to.personId, mail.mailKind, payload, mail.createdAt, flag(isNotificationKind(mail.mailKind)), flag(mayTurnOff(mail.mailKind))],
  };
}

// A newer link of a purpose ends the person's older ones: a reset link from before a newer one
// does not work, and asking again never extends an old link.
const END_OLDER_LINKS: SqlStatement = {
  name: 'email_link_end_older',
  text: `UPDATE "EmailLink" SET "usedAt" = $3 WHERE "userId" = $1 AND "purpose" = $2 AND "usedAt" IS NULL`,
};
const INSERT_LINK: SqlStatement = {
  name: 'email_link_insert',
  text: `INSERT INTO "EmailLink" ("id", "userId", "purpose", "email", "secretHash", "createdAt", "expiresAt") VALUES ($1, $2, $3, $4, $5, $6, $7)`,
};

/** A new link, in the transaction of the change that sends it. */
export function emailLinkSteps(link: NewEmailLink): SqlStep[] {
  return [
    { statement: END_OLDER_LINKS, params: [link.userId, link.linkPurpose, link.createdAt] },
    { statement: INSERT_LINK, params: [link.id, link.userId, link.linkPurpose, link.email, link.secretHash, link.createdAt, link.expiresAt] },
  ];
}
