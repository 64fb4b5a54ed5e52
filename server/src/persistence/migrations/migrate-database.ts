// Where each provider's migrations live, and applying them to a database: what
// `npm run db:migrate` runs, and what openDatabase runs before it connects.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import BetterSqlite3 from 'better-sqlite3';
import { PROJECT_ROOT } from '../../paths.js';
import type { DatabaseProvider } from '../database-provider.js';
import { createSqliteAdapterFactory, sqliteFilePath } from '../sqlite.js';
import { createPostgresMigrationAdapterFactory } from './postgres-migration-adapter.js';
import { applyPendingMigrations, listMigrations, type MigrationsLocation } from './schema-engine.js';

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

function migrationAdapterFactory(provider: DatabaseProvider, databaseUrl: string): SqlMigrationAwareDriverAdapterFactory {
  if (provider === 'postgresql') return createPostgresMigrationAdapterFactory(databaseUrl);
  // the first migration creates the SQLite file, and its folder must exist for that
  const filePath = sqliteFilePath(databaseUrl);
  mkdirSync(path.dirname(filePath), { recursive: true });
  return createSqliteAdapterFactory(filePath);
}

/** The migrations a database has applied for good: the engine's own record, finished and not rolled back. */
export const APPLIED_MIGRATIONS_SQL =
  'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL';

/** Applies pending migrations; returns the names of those it applied. */
export async function migrateDatabase(provider: DatabaseProvider, databaseUrl: string): Promise<string[]> {
  if (provider === 'sqlite' && sqliteIsUpToDate(sqliteFilePath(databaseUrl), migrationsOfThisBuild('sqlite'))) return [];
  return applyPendingMigrations(migrationAdapterFactory(provider, databaseUrl), MIGRATIONS[provider]);
}

/**
 * Whether the SQLite file already has every migration of this build. The schema engine needs the
 * file to itself (another process's open connection in WAL mode gets it SQLITE_BUSY for as long as
 * it stays open), so a second instance starting beside a running one on the same file would never
 * get through a migration that has nothing to do. A plain read answers first.
 */
function sqliteIsUpToDate(filePath: string, expected: string[]): boolean {
  if (!existsSync(filePath)) return false;
  const connection = new BetterSqlite3(filePath, { readonly: true, timeout: 5000 });
  try {
    const table = connection.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
    if (!table) return false;
    const applied = new Set(
      connection
        .prepare(APPLIED_MIGRATIONS_SQL)
        .all()
        .map((row) => (row as { migration_name: string }).migration_name),
    );
    return expected.every((name) => applied.has(name));
  } finally {
    connection.close();
  }
}

/** The names of every migration this build ships for the provider, in the order they apply. */
export function migrationsOfThisBuild(provider: DatabaseProvider): string[] {
  return listMigrations(MIGRATIONS[provider].migrationsDir);
}
