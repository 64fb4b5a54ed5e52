// Reading and pruning the metered usage (domain/metering.ts); writing it is part of counting a
// document (metering-statements.ts). Every statement runs on the driver, the same text on both
// databases, along a primary key or index range:
// - a token's hours: TokenUsageHour's primary key (tokenId, hour), at most 2,160 rows for 90 days;
// - the account's: the (accountId, hour) index, summed per hour;
// - days: TokenUsageDay (rolled-up days) plus the hours not rolled up yet, summed by day here.
import type { UsageBucket, UsageStore, UsageSubject } from '../domain/ports.js';
import type { SqlDriver, SqlStatement } from './sql-driver.js';

const PERIOD_USAGE: SqlStatement = {
  name: 'usage_period',
  text: `SELECT a."planId", COALESCE(u."documentCount", 0) AS "used" FROM "Account" a
    LEFT JOIN "AccountPeriodUsage" u ON u."accountId" = a."id" AND u."period" = $2
    WHERE a."id" = $1`,
};

const bucketsOf = (table: string, column: string, subject: 'token' | 'account'): SqlStatement => ({
  name: `usage_${table}_${subject}`,
  text:
    subject === 'token'
      ? // the token only, so that the primary key (tokenId, hour) is the index: with the account
        // too, SQLite chose (accountId, hour) and read every token's buckets (the service has
        // already checked that the token is the account's)
        `SELECT "${column}" AS "at", "documentCount" FROM "${table}"
          WHERE "tokenId" = $1 AND "${column}" >= $2 AND "${column}" < $3 ORDER BY "${column}"`
      : `SELECT "${column}" AS "at", SUM("documentCount") AS "documentCount" FROM "${table}"
          WHERE "accountId" = $1 AND "${column}" >= $2 AND "${column}" < $3 GROUP BY "${column}" ORDER BY "${column}"`,
  dateColumns: ['at'],
});

const HOURS = { token: bucketsOf('TokenUsageHour', 'hour', 'token'), account: bucketsOf('TokenUsageHour', 'hour', 'account') };
const DAYS = { token: bucketsOf('TokenUsageDay', 'day', 'token'), account: bucketsOf('TokenUsageDay', 'day', 'account') };

// Rolling up one day: its hours are added to the day rows and deleted, in one transaction, so a
// document is always in exactly one of the two tables. Nothing writes to a day this old any more
// (documents write the current hour), so the move races with nothing.
const OLDEST_HOUR: SqlStatement = {
  name: 'usage_oldest_hour',
  text: `SELECT "hour" FROM "TokenUsageHour" WHERE "hour" < $1 ORDER BY "hour" LIMIT 1`,
  dateColumns: ['hour'],
};
const ROLL_UP_DAY: SqlStatement = {
  name: 'usage_roll_up_day',
  text: `INSERT INTO "TokenUsageDay" ("tokenId", "accountId", "day", "documentCount")
    SELECT "tokenId", "accountId", $1, SUM("documentCount") FROM "TokenUsageHour"
    WHERE "hour" >= $1 AND "hour" < $2 GROUP BY "tokenId", "accountId"
    ON CONFLICT ("tokenId", "day") DO UPDATE SET "documentCount" = "TokenUsageDay"."documentCount" + excluded."documentCount"`,
};
const DELETE_DAY_HOURS: SqlStatement = {
  name: 'usage_delete_day_hours',
  text: `DELETE FROM "TokenUsageHour" WHERE "hour" >= $1 AND "hour" < $2 RETURNING "tokenId"`,
};

const DAY_MS = 86_400_000;

export class DatabaseUsageStore implements UsageStore {
  constructor(private readonly sql: SqlDriver) {}

  async periodUsage(accountId: string, period: string): Promise<{ used: number; planId: string | null }> {
    const [row] = await this.sql.rows<{ planId: string | null; used: number | string }>(PERIOD_USAGE, [accountId, period]);
    return { used: Number(row?.used ?? 0), planId: row?.planId ?? null };
  }

  hourly(subject: UsageSubject, from: Date, to: Date): Promise<UsageBucket[]> {
    return this.read(HOURS, subject, from, to);
  }

  async daily(subject: UsageSubject, from: Date, to: Date): Promise<UsageBucket[]> {
    const [days, hours] = [await this.read(DAYS, subject, from, to), await this.read(HOURS, subject, from, to)];
    const byDay = new Map<number, number>();
    for (const { at, documentCount } of [...days, ...hours]) {
      const day = Math.floor(at.getTime() / DAY_MS) * DAY_MS;
      byDay.set(day, (byDay.get(day) ?? 0) + documentCount);
    }
    return [...byDay].sort(([a], [b]) => a - b).map(([at, documentCount]) => ({ at: new Date(at), documentCount }));
  }

  async rollUpHoursBefore(before: Date, maxDays: number): Promise<number> {
    let removed = 0;
    for (let rolled = 0; rolled < maxDays; rolled++) {
      const [oldest] = await this.sql.rows<{ hour: Date }>(OLDEST_HOUR, [before]);
      if (!oldest) break;
      const day = new Date(Math.floor(oldest.hour.getTime() / DAY_MS) * DAY_MS);
      // whole days only: a day that straddles `before` waits until it is all before it
      const end = new Date(Math.min(day.getTime() + DAY_MS, before.getTime()));
      if (end.getTime() - day.getTime() < DAY_MS) break;
      const result = await this.sql.transaction([
        { statement: ROLL_UP_DAY, params: [day, end] },
        { statement: DELETE_DAY_HOURS, params: [day, end] },
      ]);
      if (result.committed) removed += result.rows[1]!.length;
    }
    return removed;
  }

  private async read(statements: { token: SqlStatement; account: SqlStatement }, subject: UsageSubject, from: Date, to: Date): Promise<UsageBucket[]> {
    const rows = subject.tokenId
      ? await this.sql.rows<{ at: Date; documentCount: number | string }>(statements.token, [subject.tokenId, from, to])
      : await this.sql.rows<{ at: Date; documentCount: number | string }>(statements.account, [subject.accountId, from, to]);
    // PostgreSQL's SUM is a bigint, which pg reads as text
    return rows.map(({ at, documentCount }) => ({ at, documentCount: Number(documentCount) }));
  }
}
