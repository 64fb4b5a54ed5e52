// Opens the database the service runs on, after applying pending migrations.
// - DATABASE_URL unset or file:…            → SQLite (the embedded default), ./data/pogodoc.db
// - DATABASE_URL postgres:// or postgresql:// → PostgreSQL, for more than one server instance
// Each provider's setup lives in its own file (sqlite.ts, postgresql.ts); migrations are tooling
// and live in migrations/, which this file only asks to migrate before it connects.
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { DEFAULT_DATABASE_URL } from '../config.js';
import { providerOf, type DatabaseProvider } from './database-provider.js';
import { APPLIED_MIGRATIONS_SQL, migrateDatabase, migrationsOfThisBuild } from './migrations/migrate-database.js';
import { openPostgres } from './postgresql.js';
import { rethrowAsDomainError } from './prisma-errors.js';
import type { SqlDriver } from './sql-driver.js';
import { openSqlite } from './sqlite.js';

export { providerOf, type DatabaseProvider };

export interface Database {
  provider: DatabaseProvider;
  prisma: PrismaClient;
  /** The hot path's statements, on Prisma's own connection or pool (see sql-driver.ts). */
  sql: SqlDriver;
  /**
   * SQLite only: a value that changes whenever anything may have been committed to the database,
   * whoever wrote it (sqlite.ts). Undefined on PostgreSQL, where other instances write and no
   * check short of a round trip would see it.
   */
  dataVersion: (() => string) | undefined;
  /** The migrations this open applied (empty when the database was up to date). */
  appliedMigrations: string[];
  /** Whether every migration of this build is recorded as applied; rejects when the database is unreachable. */
  migrationsApplied(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Hooks around the two ways statements reach the database, for instrumentation: the service
 * itself sets neither. The tests wrap both to count the SQL a request costs
 * (server/test/support/observe-sql.ts).
 */
export interface DatabaseOptions {
  /** Wraps the driver adapter factory that Prisma's client runs every query through. */
  wrapAdapter?: (factory: SqlDriverAdapterFactory) => SqlDriverAdapterFactory;
  /** Wraps the hot path's driver (sql-driver.ts), which bypasses Prisma. */
  wrapSqlDriver?: (driver: SqlDriver) => SqlDriver;
}

const unwrapped = <T>(value: T) => value;

export async function openDatabase(
  databaseUrl: string = DEFAULT_DATABASE_URL,
  { wrapAdapter = unwrapped, wrapSqlDriver = unwrapped }: DatabaseOptions = {},
): Promise<Database> {
  const provider = providerOf(databaseUrl);
  // Migrate before the client connects: on SQLite the schema engine needs the file's write
  // lock for itself, and an open client connection in WAL mode makes it wait for SQLITE_BUSY.
  const appliedMigrations = await migrateDatabase(provider, databaseUrl);
  const expectedMigrations = migrationsOfThisBuild(provider);
  const opened: { prisma: PrismaClient; sql: SqlDriver; dataVersion?: () => string } =
    provider === 'postgresql' ? openPostgres(databaseUrl, wrapAdapter) : await openSqlite(databaseUrl, wrapAdapter);
  // Every Prisma query: a database that cannot serve becomes the domain's retryable
  // DatabaseUnavailableError (the hot path's statements get the same in sql-driver.ts).
  const prisma = opened.prisma.$extends({
    query: {
      async $allOperations({ args, query }) {
        try {
          return await query(args);
        } catch (error) {
          rethrowAsDomainError(error);
        }
      },
    },
  }) as unknown as PrismaClient;
  return {
    provider,
    prisma,
    sql: wrapSqlDriver(opened.sql),
    dataVersion: opened.dataVersion,
    appliedMigrations,
    migrationsApplied: async () => {
      const rows = await prisma.$queryRawUnsafe<Array<{ migration_name: string }>>(APPLIED_MIGRATIONS_SQL);
      const applied = new Set(rows.map((row) => row.migration_name));
      return expectedMigrations.every((name) => applied.has(name));
    },
    close: () => prisma.$disconnect(),
  };
}
