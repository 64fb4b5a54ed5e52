// The embedded default: one SQLite file, one connection shared by Prisma and the hot path.
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import BetterSqlite3 from 'better-sqlite3';
import { PrismaClient } from '../../generated/prisma/client.js';
import { sqliteDriver, type SqlDriver } from './sql-driver.js';

/**
 * The @prisma/adapter-better-sqlite3 version whose private `client` field `capturingConnection`
 * was checked against. server/test/sqlite-adapter.test.ts fails when the installed version
 * differs: re-check the reach-in against the new version's source, then update this.
 */
export const SQLITE_ADAPTER_CHECKED_VERSION = '7.10.0';

/** The file a `file:` DATABASE_URL names, relative to the working directory. */
export function sqliteFilePath(databaseUrl: string): string {
  return path.resolve(databaseUrl.slice('file:'.length));
}

export function createSqliteAdapterFactory(filePath: string): PrismaBetterSqlite3 {
  // 5 s of waiting for a lock held by another process (a migration, a backup) before SQLITE_BUSY.
  return new PrismaBetterSqlite3({ url: filePath, timeout: 5000 });
}

/**
 * Hands over the better-sqlite3 connection the adapter opens, so that the hot path's statements
 * share it (and its pragmas and any open transaction) instead of contending with a second one.
 * The adapter keeps it as the private field `client`: see SQLITE_ADAPTER_CHECKED_VERSION.
 */
export function capturingConnection(
  factory: PrismaBetterSqlite3,
  receive: (connection: BetterSqlite3.Database) => void,
): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = await factory.connect();
      const connection = (adapter as unknown as { client?: unknown }).client;
      if (!(connection instanceof BetterSqlite3)) {
        throw new Error(
          `@prisma/adapter-better-sqlite3 no longer exposes its connection as \`client\` (checked with ${SQLITE_ADAPTER_CHECKED_VERSION}); see persistence/sqlite.ts`,
        );
      }
      receive(connection);
      return adapter;
    },
  };
}

/**
 * A value that changes whenever the file's data may have changed: `total_changes()` counts the rows
 * this connection (Prisma's and the hot path's, one and the same) has changed, and `data_version`
 * moves when another connection, another process's included, commits. So whatever wrote, and by
 * whichever path, two equal values mean nothing was committed in between. About 3 µs.
 */
export function sqliteDataVersion(connection: BetterSqlite3.Database): () => string {
  const statement = connection.prepare('SELECT total_changes(), data_version FROM pragma_data_version').raw(true);
  statement.safeIntegers(false);
  return () => {
    const [changes, version] = statement.get() as [number, number];
    return `${changes}:${version}`;
  };
}

export async function openSqlite(
  databaseUrl: string,
  wrapAdapter: (factory: SqlDriverAdapterFactory) => SqlDriverAdapterFactory,
): Promise<{ prisma: PrismaClient; sql: SqlDriver; dataVersion: () => string }> {
  let connection: BetterSqlite3.Database | undefined;
  const factory = capturingConnection(createSqliteAdapterFactory(sqliteFilePath(databaseUrl)), (c) => (connection = c));
  const prisma = new PrismaClient({ adapter: wrapAdapter(factory) });
  // WAL lets readers run beside the writer. synchronous=NORMAL in WAL mode still makes every
  // committed transaction survive a crash of this process (SIGKILL included); only a power
  // loss or OS crash can roll back the last commits. The journal mode is stored in the file;
  // synchronous is per connection, and the adapter keeps a single connection.
  await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await prisma.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
  await prisma.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  if (!connection) throw new Error('the SQLite adapter did not open its connection');
  return { prisma, sql: sqliteDriver(connection), dataVersion: sqliteDataVersion(connection) };
}
