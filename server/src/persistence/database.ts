// Opens the database the service runs on, after applying pending migrations.
// - DATABASE_URL unset or file:…            → SQLite (the embedded default), ./data/pogodoc.db
// - DATABASE_URL postgres:// or postgresql:// → PostgreSQL, for more than one server instance
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import BetterSqlite3 from 'better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg, { type PoolConfig } from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import type {
  SqlDriverAdapterFactory,
  SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../../generated/prisma/client.js';
import { PrismaClient as PostgresPrismaClient } from '../../generated/prisma-postgresql/client.js';
import { PROJECT_ROOT } from '../paths.js';
import { rethrowAsDomainError } from './prisma-errors.js';
import { postgresDriver, sqliteDriver, type SqlDriver } from './sql-driver.js';
import { applyPendingMigrations, listMigrations, type MigrationsLocation } from './schema-engine.js';

export const DEFAULT_DATABASE_URL = 'file:./data/pogodoc.db';

export type DatabaseProvider = 'sqlite' | 'postgresql';

export const MIGRATIONS: Record<DatabaseProvider, MigrationsLocation> = {
  sqlite: {
    schemaPath: path.join(PROJECT_ROOT, 'prisma', 'schema.prisma'),
    migrationsDir: path.join(PROJECT_ROOT, 'prisma', 'migrations'),
  },
  // generated from prisma/schema.prisma by server/scripts/generate-prisma.mjs
  postgresql: {
    schemaPath: path.join(PROJECT_ROOT, 'prisma', 'postgresql', 'schema.prisma'),
    migrationsDir: path.join(PROJECT_ROOT, 'prisma', 'postgresql', 'migrations'),
  },
};

export interface Database {
  provider: DatabaseProvider;
  prisma: PrismaClient;
  /** The hot path's statements, on Prisma's own connection or pool (see sql-driver.ts). */
  sql: SqlDriver;
  /** The migrations this open applied (empty when the database was up to date). */
  appliedMigrations: string[];
  /** Whether every migration of this build is recorded as applied; rejects when the database is unreachable. */
  migrationsApplied(): Promise<boolean>;
  close(): Promise<void>;
}

export function providerOf(databaseUrl: string): DatabaseProvider {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgresql';
  if (databaseUrl.startsWith('file:')) return 'sqlite';
  throw new Error(`DATABASE_URL must be a file: URL (SQLite) or a postgresql:// URL, got "${databaseUrl.split(':')[0]}:…"`);
}

function sqliteFilePath(databaseUrl: string): string {
  return path.resolve(databaseUrl.slice('file:'.length));
}

export function createSqliteAdapterFactory(filePath: string): PrismaBetterSqlite3 {
  // 5 s of waiting for a lock held by another process (a migration, a backup) before SQLITE_BUSY.
  return new PrismaBetterSqlite3({ url: filePath, timeout: 5000 });
}

function postgresPoolConfig(databaseUrl: string): PoolConfig {
  const { database, host, port, user, password, ssl, application_name } = parseConnectionString(databaseUrl);
  return {
    database: database ?? undefined,
    host: host ?? undefined,
    port: port ? Number(port) : undefined,
    user,
    password,
    ssl: (ssl ?? undefined) as PoolConfig['ssl'],
    application_name: application_name ?? 'pogodoc-api-tokens',
    max: 10,
  };
}

/**
 * When the schema engine reads PostgreSQL's catalog it selects columns of the internal "char"
 * type (OID 18), which this adapter version cannot map; their values are one-letter strings, so
 * reporting them as text (OID 25) is exact. Only the migration connections use this client.
 */
class CatalogCharAsTextClient extends pg.Client {
  override query(...args: unknown[]): any {
    const fix = (value: unknown) => {
      for (const set of Array.isArray(value) ? value : [value]) {
        for (const field of (set as pg.QueryResult | undefined)?.fields ?? []) {
          if (field.dataTypeID === 18) field.dataTypeID = 25;
        }
      }
      return value;
    };
    // pg.Pool calls query with a callback; direct callers get a promise
    const callbackIndex = args.findIndex((arg) => typeof arg === 'function');
    if (callbackIndex >= 0) {
      const callback = args[callbackIndex] as (error: unknown, value: unknown) => void;
      args[callbackIndex] = (error: unknown, value: unknown) => callback(error, error ? value : fix(value));
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return result instanceof Promise ? result.then(fix) : result;
  }
}

export function createPostgresAdapterFactory(
  databaseUrl: string,
  { forMigrations = false }: { forMigrations?: boolean } = {},
): SqlMigrationAwareDriverAdapterFactory {
  const config: PoolConfig = { ...postgresPoolConfig(databaseUrl), ...(forMigrations ? { Client: CatalogCharAsTextClient } : {}) };
  const base = new PrismaPg(config);
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: () => base.connect(),
    // The adapter's own shadow database drops itself while its pool is still connected, which
    // PostgreSQL refuses. This one closes the pool first, then drops the database.
    async connectToShadowDb() {
      const name = `pogodoc_shadow_${randomUUID().replaceAll('-', '')}`;
      const admin = await base.connect();
      await admin.executeScript(`CREATE DATABASE "${name}"`);
      const shadow = await new PrismaPg({ ...config, database: name, max: 2 }).connect();
      const disposeShadow = shadow.dispose.bind(shadow);
      let disposed = false;
      shadow.dispose = async () => {
        if (disposed) return;
        disposed = true;
        await disposeShadow();
        await admin.executeScript(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.dispose();
      };
      return shadow;
    },
  };
}

function migrationAdapterFactory(databaseUrl: string): SqlMigrationAwareDriverAdapterFactory {
  if (providerOf(databaseUrl) === 'postgresql') return createPostgresAdapterFactory(databaseUrl, { forMigrations: true });
  const filePath = sqliteFilePath(databaseUrl);
  mkdirSync(path.dirname(filePath), { recursive: true });
  return createSqliteAdapterFactory(filePath);
}

/** Applies pending migrations; returns the names of those it applied. */
export function migrateDatabase(databaseUrl: string = DEFAULT_DATABASE_URL): Promise<string[]> {
  return applyPendingMigrations(migrationAdapterFactory(databaseUrl), MIGRATIONS[providerOf(databaseUrl)]);
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

/**
 * Hands over the better-sqlite3 connection the adapter opens, so that the hot path's statements
 * share it (and its pragmas and any open transaction) instead of contending with a second one.
 * The adapter keeps it as `client`; the pinned adapter version is checked by this guard.
 */
function capturingSqliteConnection(
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
        throw new Error('@prisma/adapter-better-sqlite3 no longer exposes its connection as `client`; see sql-driver.ts');
      }
      receive(connection);
      return adapter;
    },
  };
}

export async function openDatabase(
  databaseUrl: string = DEFAULT_DATABASE_URL,
  { wrapAdapter = unwrapped, wrapSqlDriver = unwrapped }: DatabaseOptions = {},
): Promise<Database> {
  const provider = providerOf(databaseUrl);
  // Migrate before the client connects: on SQLite the schema engine needs the file's write
  // lock for itself, and an open client connection in WAL mode makes it wait for SQLITE_BUSY.
  const appliedMigrations = await migrateDatabase(databaseUrl);
  const expectedMigrations = listMigrations(MIGRATIONS[provider].migrationsDir);

  let prisma: PrismaClient;
  let sql: SqlDriver;
  if (provider === 'postgresql') {
    // One pool for both: Prisma's adapter and the hot path's prepared statements.
    const pool = new pg.Pool(postgresPoolConfig(databaseUrl));
    // An idle connection that PostgreSQL drops (a restart, a proxy) must not crash the process;
    // the next query reconnects, and one that fails is DATABASE_UNAVAILABLE.
    pool.on('error', () => {});
    // The PostgreSQL client is generated from the same models (prisma/postgresql/schema.prisma),
    // so its API is the SQLite client's; only the SQL it compiles to differs.
    prisma = new PostgresPrismaClient({
      adapter: wrapAdapter(new PrismaPg(pool, { disposeExternalPool: true })),
    }) as unknown as PrismaClient;
    sql = wrapSqlDriver(postgresDriver(pool));
  } else {
    let connection: BetterSqlite3.Database | undefined;
    prisma = new PrismaClient({
      adapter: wrapAdapter(capturingSqliteConnection(createSqliteAdapterFactory(sqliteFilePath(databaseUrl)), (c) => (connection = c))),
    });
    // WAL lets readers run beside the writer. synchronous=NORMAL in WAL mode still makes every
    // committed transaction survive a crash of this process (SIGKILL included); only a power
    // loss or OS crash can roll back the last commits. The journal mode is stored in the file;
    // synchronous is per connection, and the adapter keeps a single connection.
    await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await prisma.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
    await prisma.$queryRawUnsafe('PRAGMA foreign_keys = ON');
    if (!connection) throw new Error('the SQLite adapter did not open its connection');
    sql = wrapSqlDriver(sqliteDriver(connection));
  }
  // Every Prisma query: a database that cannot serve becomes the domain's retryable
  // DatabaseUnavailableError (the hot path's statements get the same in sql-driver.ts).
  prisma = prisma.$extends({
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
    sql,
    appliedMigrations,
    migrationsApplied: async () => {
      const rows = await prisma.$queryRawUnsafe<Array<{ migration_name: string }>>(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      const applied = new Set(rows.map((row) => row.migration_name));
      return expectedMigrations.every((name) => applied.has(name));
    },
    close: () => prisma.$disconnect(),
  };
}
