// The audit trail's table: inserts that ride in the transaction of the change they record
// (audit-event-steps.ts), the Activity view's pages, the retention prune, and the leak revocation,
// which is a change and its event in one transaction.
import type { AuditActor, AuditCursor, AuditEventRecord, AuditFilter, AuditStore } from '../domain/audit.js';
import { auditEvent, dueExpiringNotice, SYSTEM_ACTOR, TOKEN_EXPIRING_NOTICE_DAYS, tokenExpiringKey, tokenLeakedKey } from '../domain/audit.js';
import type { FoundToken, LeakStore, RevokeLeakedResult } from '../domain/leak-response.js';
import type { PrismaClient, Prisma } from '../../generated/prisma/client.js';
import { AUDIT_ROW, auditSteps } from './audit-event-steps.js';
import { prismaSelect } from './row-model.js';
import type { DatabaseProvider } from './database.js';
import type { SqlDriver, SqlStatement, SqlStep } from './sql-driver.js';

const AUDIT_FIELDS = prismaSelect(AUDIT_ROW) satisfies Prisma.AuditEventSelect;

const FIND_BY_SECRET: SqlStatement = {
  name: 'leak_find_token',
  text: `SELECT "id", "accountId" FROM "ApiToken" WHERE "secretHash" = $1 OR "previousSecretHash" = $1`,
};

// Ends the reported secret, whichever of the token's two it is, in one statement on the token's
// row (so a roll racing in cannot slip between a read and the write): the current secret's token
// is deleted, a previous secret's grace period ends now. A token already deleted stays as it was.
const REVOKE_SECRET: SqlStatement = {
  name: 'leak_revoke_secret',
  text: `UPDATE "ApiToken" SET
      "deletedAt" = CASE WHEN "secretHash" = $2 AND "deletedAt" IS NULL THEN $3 ELSE "deletedAt" END,
      "activeSlot" = CASE WHEN "secretHash" = $2 THEN NULL ELSE "activeSlot" END,
      "previousSecretValidUntil" = CASE WHEN "previousSecretHash" = $2
        AND ("previousSecretValidUntil" IS NULL OR "previousSecretValidUntil" > $3) THEN $3 ELSE "previousSecretValidUntil" END
    WHERE "id" = $1 AND ("secretHash" = $2 OR "previousSecretHash" = $2)
    RETURNING CASE WHEN "secretHash" = $2 THEN 'current' ELSE 'previous' END AS "which"`,
};

// Tokens past their expiry without a TOKEN_EXPIRED event yet (the NOT EXISTS reads the unique index)
const EXPIRED_WITHOUT_EVENT: SqlStatement = {
  name: 'audit_expired_without_event',
  text: `SELECT t."id", t."accountId", t."expiresAt" FROM "ApiToken" t
    WHERE t."deletedAt" IS NULL AND t."expiresAt" <= $1
      AND NOT EXISTS (SELECT 1 FROM "AuditEvent" e WHERE e."dedupeKey" = 'expired:' || t."id")`,
  dateColumns: ['expiresAt'],
};

// Tokens that still work and expire within (from, to], without this notice's event yet: a range on
// the expiresAt index, and the NOT EXISTS reads the dedupe key's unique index. Bounded per sweep;
// the next sweep, a minute later, takes the rest.
// Tokens due a notice ($4 days) and without it. The lifetime test (a token made 7 days before its
// expiry gets no 7-day notice: dueExpiringNotice) is in the SQL, not only in code: a token the
// code skipped would stay in the window and be read again by every sweep, and a thousand of them
// (the dashboard's 7-day preset) would fill the LIMIT and starve the tokens behind them.
const expiringWithoutNotice = (provider: DatabaseProvider): SqlStatement => ({
  name: 'audit_expiring_without_notice',
  text: `SELECT t."id", t."accountId", t."expiresAt", t."createdAt", t."expiryVersion" FROM "ApiToken" t
    WHERE t."expiresAt" > $1 AND t."expiresAt" <= $2 AND t."deletedAt" IS NULL AND t."activeSlot" IS NOT NULL
      AND ${
        provider === 'postgresql'
          ? `t."expiresAt" - t."createdAt" > CAST($4 AS INTEGER) * INTERVAL '1 day'`
          : `julianday(t."expiresAt") - julianday(t."createdAt") > CAST($4 AS INTEGER)`
      }
      AND NOT EXISTS (SELECT 1 FROM "AuditEvent" e WHERE e."dedupeKey" = 'expiring:' || t."id" || CAST($3 AS TEXT)
        || CASE WHEN t."expiryVersion" = 0 THEN '' ELSE ':v' || CAST(t."expiryVersion" AS TEXT) END)
    ORDER BY t."expiresAt" LIMIT 1000`,
  dateColumns: ['expiresAt', 'createdAt'],
});

// In chunks along the createdAt index, each its own short transaction: a prune of a year's events
// neither holds the write lock for long nor reads every deleted id back at once.
const PRUNE_CHUNK = 2000;
const PRUNE_BEFORE: SqlStatement = {
  name: 'audit_prune_before',
  text: `DELETE FROM "AuditEvent" WHERE "id" IN (
      SELECT "id" FROM "AuditEvent" WHERE "createdAt" < $1 ORDER BY "createdAt" LIMIT ${PRUNE_CHUNK})
    RETURNING "id"`,
};

const DAY_MS = 24 * 60 * 60 * 1000;

export class DatabaseAuditStore implements AuditStore, LeakStore {
  private readonly expiringWithoutNotice: SqlStatement;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlDriver,
    provider: DatabaseProvider,
  ) {
    this.expiringWithoutNotice = expiringWithoutNotice(provider);
  }

  async hasSignedInWith(personId: string, userAgent: string | null, since: Date): Promise<boolean> {
    const seen = await this.prisma.auditEvent.findFirst({
      where: { accountId: personId, type: { in: ['SIGN_IN_SUCCEEDED'] }, userAgent, createdAt: { gte: since } },
      select: { id: true },
    });
    return seen !== null;
  }

  async record(events: readonly AuditEventRecord[]): Promise<void> {
    if (events.length === 0) return;
    await this.sql.transaction(events.flatMap(auditSteps));
  }

  async list(accountId: string, filter: AuditFilter, after: AuditCursor | null, limit: number): Promise<AuditEventRecord[]> {
    const where: Prisma.AuditEventWhereInput = { accountId };
    if (filter.types?.length) where.type = { in: [...filter.types] };
    if (filter.tokenId) where.tokenId = filter.tokenId;
    if (filter.actorUserId) where.actorUserId = filter.actorUserId;
    if (filter.from || filter.to) where.createdAt = { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) };
    const page: Prisma.AuditEventWhereInput = after
      ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
      : {};
    const rows = await this.prisma.auditEvent.findMany({
      where: { AND: [where, page] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
      select: AUDIT_FIELDS,
    });
    return rows as AuditEventRecord[];
  }

  /**
   * Expiry is time passing, not a write, so its event is written by a sweep (any instance, any
   * number of times: the dedupe key keeps one per token), dated when the token expired.
   */
  async recordExpiredTokens(now: Date): Promise<number> {
    const expired = await this.sql.rows<{ id: string; accountId: string; expiresAt: Date }>(EXPIRED_WITHOUT_EVENT, [now]);
    if (expired.length === 0) return 0;
    const events = expired.map((token) =>
      auditEvent('TOKEN_EXPIRED', SYSTEM_ACTOR, token.expiresAt, { accountId: token.accountId, tokenId: token.id, dedupeKey: `expired:${token.id}` }),
    );
    // with each event's notification (auditSteps), which the dedupe key keeps to one as well
    const steps = events.flatMap(auditSteps);
    const result = await this.sql.transaction(steps);
    return result.committed ? steps.filter((step, index) => step.recordsAuditEvent && result.rows[index]!.length > 0).length : 0;
  }

  /**
   * Each notice (7 days, 1 day) is a window of expiry times: (now + the next shorter notice,
   * now + this notice]. A token is read by the one window it is in, and gets that notice once
   * (dedupe key, any instance, any number of sweeps), with its webhook in the same transaction.
   */
  async recordExpiringTokens(now: Date): Promise<number> {
    const notices = [...TOKEN_EXPIRING_NOTICE_DAYS].sort((a, b) => a - b);
    const events: AuditEventRecord[] = [];
    for (const [index, days] of notices.entries()) {
      const from = new Date(now.getTime() + (notices[index - 1] ?? 0) * DAY_MS);
      const to = new Date(now.getTime() + days * DAY_MS);
      const tokens = await this.sql.rows<{ id: string; accountId: string; expiresAt: Date; createdAt: Date; expiryVersion: number }>(this.expiringWithoutNotice, [from, to, `:${days}`, days]);
      for (const token of tokens) {
        if (dueExpiringNotice(token, now) !== days) continue;
        events.push(
          auditEvent('TOKEN_EXPIRING', SYSTEM_ACTOR, now, {
            accountId: token.accountId,
            tokenId: token.id,
            details: { expiresAt: token.expiresAt.toISOString(), daysBefore: days },
            dedupeKey: tokenExpiringKey(token.id, days, Number(token.expiryVersion)),
          }),
        );
      }
    }
    if (events.length === 0) return 0;
    const steps = events.flatMap(auditSteps);
    const result = await this.sql.transaction(steps);
    if (!result.committed) return 0;
    // the inserts that returned a row: the events that were new
    return steps.filter((step, index) => step.recordsAuditEvent && result.rows[index]!.length > 0).length;
  }

  async pruneBefore(cutoff: Date): Promise<number> {
    let deleted = 0;
    for (;;) {
      const result = await this.sql.transaction([{ statement: PRUNE_BEFORE, params: [cutoff] }]);
      const chunk = result.committed ? result.rows[0]!.length : 0;
      deleted += chunk;
      if (chunk < PRUNE_CHUNK) return deleted;
    }
  }

  async findLeak(tokenId: string): Promise<AuditEventRecord | null> {
    const row = await this.prisma.auditEvent.findFirst({
      where: { tokenId, type: 'TOKEN_LEAKED' },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: AUDIT_FIELDS,
    });
    return row as AuditEventRecord | null;
  }

  async findLeaks(tokenIds: readonly string[]): Promise<Map<string, AuditEventRecord>> {
    const leaks = new Map<string, AuditEventRecord>();
    if (tokenIds.length === 0) return leaks;
    // one read for the whole page; newest first, so the first row of a token is its latest leak
    const rows = await this.prisma.auditEvent.findMany({
      where: { tokenId: { in: [...tokenIds] }, type: 'TOKEN_LEAKED' },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: AUDIT_FIELDS,
    });
    for (const row of rows as AuditEventRecord[]) if (row.tokenId && !leaks.has(row.tokenId)) leaks.set(row.tokenId, row);
    return leaks;
  }

  async revokeLeaked(secretHash: string, found: Omit<FoundToken, 'token'>, actor: AuditActor, at: Date): Promise<RevokeLeakedResult> {
    const [token] = await this.sql.rows<{ id: string; accountId: string }>(FIND_BY_SECRET, [secretHash]);
    if (!token) return { outcome: 'unknown' };
    const event = auditEvent('TOKEN_LEAKED', actor, at, {
      accountId: token.accountId,
      tokenId: token.id,
      details: { url: found.url, source: found.source, type: found.type },
      dedupeKey: tokenLeakedKey(token.id, secretHash),
    });
    const result = await this.sql.transaction([
      { statement: REVOKE_SECRET, params: [token.id, secretHash, at], requireRow: true },
      ...auditSteps(event),
    ]);
    // no row: the secret was rolled out twice since the lookup, so it no longer works anywhere
    if (!result.committed) return { outcome: 'unknown' };
    const [[revoked], inserted] = result.rows as [[{ which: 'current' | 'previous' }], unknown[]];
    return { outcome: 'revoked', tokenId: token.id, accountId: token.accountId, which: revoked!.which, firstReport: inserted.length > 0 };
  }
}
