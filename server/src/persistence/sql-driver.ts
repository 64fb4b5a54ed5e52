// The hot path's statements, run on the database driver itself, on the very connection (SQLite)
// or pool (PostgreSQL) Prisma uses. A profile of document requests under load put 30% of the
// server's CPU in Prisma's query pipeline, its adapter and better-sqlite3 re-preparing every
// statement; here each statement is prepared once per connection and its rows come back as plain
// objects. Everything else in persistence stays on Prisma.
//
// Statements are written once, in PostgreSQL's $1 placeholder style, and run unchanged on both
// databases. Dates go in and come out as Date, stored the way Prisma stores them, so rows written
// here and rows written by Prisma are indistinguishable.
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { rethrowAsDomainError } from './prisma-errors.js';

export interface SqlStatement {
  /** A stable name: PostgreSQL prepares the statement once per connection under it. */
  name: string;
  text: string;
  /** Columns that hold timestamps, to be read back as Date. */
  dateColumns?: readonly string[];
}

export interface SqlDriver {
  rows<Row>(statement: SqlStatement, params: ReadonlyArray<string | number | Date | null>): Promise<Row[]>;
}

type Param = string | number | Date | null;

/**
 * SQLite through better-sqlite3: synchronous, microseconds per statement, so it runs inline.
 * Prisma stores a DateTime as ISO 8601 text with "+00:00", which also sorts chronologically.
 */
export function sqliteDriver(connection: BetterSqlite3.Database): SqlDriver {
  const prepared = new Map<string, BetterSqlite3.Statement>();
  const encode = (value: Param) => (value instanceof Date ? value.toISOString().replace('Z', '+00:00') : value);
  return {
    async rows<Row>(statement: SqlStatement, params: readonly Param[]): Promise<Row[]> {
      let rows: Record<string, unknown>[];
      try {
        let compiled = prepared.get(statement.name);
        if (!compiled) {
          // $1 → @p1: better-sqlite3 binds named parameters from an object, and a name may repeat
          compiled = connection.prepare(statement.text.replace(/\$(\d+)/g, '@p$1'));
          // the adapter turns safe integers on for the whole connection; our counts fit a double
          compiled.safeIntegers(false);
          prepared.set(statement.name, compiled);
        }
        const args: Record<string, unknown> = {};
        params.forEach((value, index) => (args[`p${index + 1}`] = encode(value)));
        rows = (compiled.reader ? compiled.all(args) : (compiled.run(args), [])) as Record<string, unknown>[];
      } catch (error) {
        rethrowAsDomainError(error);
      }
      for (const column of statement.dateColumns ?? []) {
        for (const row of rows) if (typeof row[column] === 'string') row[column] = new Date(row[column] as string);
      }
      return rows as Row[];
    },
  };
}

// Prisma's PostgreSQL columns are timestamp(3) without time zone, holding UTC wall-clock time.
// pg would read them as local time; these parsers read them as UTC, whatever TZ the process has.
const TIMESTAMP_WITHOUT_TIME_ZONE = 1114;
const utcTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP_WITHOUT_TIME_ZONE
      ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** PostgreSQL through the pool Prisma's adapter also uses; statements are prepared by name. */
export function postgresDriver(pool: pg.Pool): SqlDriver {
  // A timestamp literal's offset is ignored by a timestamp-without-time-zone column, so the ISO
  // form stores the UTC wall-clock time, as Prisma does.
  const encode = (value: Param) => (value instanceof Date ? value.toISOString() : value);
  return {
    async rows<Row>(statement: SqlStatement, params: readonly Param[]): Promise<Row[]> {
      try {
        const result = await pool.query({ name: statement.name, text: statement.text, values: params.map(encode), types: utcTypes });
        return result.rows as Row[];
      } catch (error) {
        rethrowAsDomainError(error);
      }
    },
  };
}
