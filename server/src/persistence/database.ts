// Opens the database the service runs on, after applying pending migrations.
// The embedded default is a SQLite file under ./data/, created on first start.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlDriverAdapterFactory, SqlQuery, SqlQueryable } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../../generated/prisma/client.js';
import { PROJECT_ROOT } from '../paths.js';
import { applyPendingMigrations, type MigrationsLocation } from './schema-engine.js';


export const DEFAULT_DATABASE_URL = 'file:./data/pogodoc.db';

export const SQLITE_MIGRATIONS: MigrationsLocation = {
  schemaPath: path.join(PROJECT_ROOT, 'prisma', 'schema.prisma'),
  migrationsDir: path.join(PROJECT_ROOT, 'prisma', 'migrations'),
};

export interface Database {
  prisma: PrismaClient;
  /** The migrations this open applied (empty when the database was up to date). */
  appliedMigrations: string[];
  close(): Promise<void>;
}

function sqliteFilePath(databaseUrl: string): string {
  if (!databaseUrl.startsWith('file:')) {
    throw new Error(`DATABASE_URL must be a SQLite "file:" URL, got "${databaseUrl.split(':')[0]}:…"`);
  }
  return path.resolve(databaseUrl.slice('file:'.length));
}

/** Wraps a driver adapter factory so that every statement its connections run is reported. */
function observingAdapterFactory<F extends SqlDriverAdapterFactory>(factory: F, observe: (sql: string) => void): F {
  const observeQueryable = <Q extends SqlQueryable>(queryable: Q): Q =>
    new Proxy(queryable, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (property === 'queryRaw' || property === 'executeRaw') {
          return (query: SqlQuery) => {
            observe(query.sql);
            return value.call(target, query);
          };
        }
        if (property === 'startTransaction') {
          return async (...args: unknown[]) => observeQueryable(await value.apply(target, args));
        }
        return value.bind(target);
      },
    });
  return new Proxy(factory, {
    get(target, property, receiver) {
      if (property === 'connect') return async () => observeQueryable(await target.connect());
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function createSqliteAdapterFactory(filePath: string): PrismaBetterSqlite3 {
  // 5 s of waiting for a lock held by another process (a migration, a backup) before SQLITE_BUSY.
  return new PrismaBetterSqlite3({ url: filePath, timeout: 5000 });
}

/** Applies pending migrations; returns the names of those it applied. */
export async function migrateDatabase(databaseUrl: string = DEFAULT_DATABASE_URL): Promise<string[]> {
  const filePath = sqliteFilePath(databaseUrl);
  mkdirSync(path.dirname(filePath), { recursive: true });
  return applyPendingMigrations(createSqliteAdapterFactory(filePath), SQLITE_MIGRATIONS);
}

export interface DatabaseOptions {
  /** Sees every SQL statement sent to the database; tests use it to count queries per request. */
  observeSql?: (sql: string) => void;
}

export async function openDatabase(
  databaseUrl: string = DEFAULT_DATABASE_URL,
  options: DatabaseOptions = {},
): Promise<Database> {
  // Migrate before the client connects: the schema engine needs the file's write lock
  // for itself, and an open client connection in WAL mode makes it wait for SQLITE_BUSY.
  const appliedMigrations = await migrateDatabase(databaseUrl);
  const filePath = sqliteFilePath(databaseUrl);
  const adapterFactory = createSqliteAdapterFactory(filePath);
  const prisma = new PrismaClient({
    adapter: options.observeSql ? observingAdapterFactory(adapterFactory, options.observeSql) : adapterFactory,
  });
  // WAL lets readers run beside the writer. synchronous=NORMAL in WAL mode still makes every
  // committed transaction survive a crash of this process (SIGKILL included); only a power
  // loss or OS crash can roll back the last commits. The journal mode is stored in the file;
  // synchronous is per connection, and the adapter keeps a single connection.
  await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await prisma.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
  await prisma.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  return {
    prisma,
    appliedMigrations,
    close: () => prisma.$disconnect(),
  };
}
