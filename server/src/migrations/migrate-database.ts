// Where each provider's migrations live, and applying them to a database: what
// `npm run db:migrate` runs, and what openDatabase runs before it connects.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PROJECT_ROOT } from '../paths.js';
import type { DatabaseProvider } from '../persistence/database.js';
import { createSqliteAdapterFactory, sqliteFilePath } from '../persistence/sqlite.js';
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

/** Applies pending migrations; returns the names of those it applied. */
export function migrateDatabase(provider: DatabaseProvider, databaseUrl: string): Promise<string[]> {
  return applyPendingMigrations(migrationAdapterFactory(provider, databaseUrl), MIGRATIONS[provider]);
}

/** The names of every migration this build ships for the provider, in the order they apply. */
export function migrationsOfThisBuild(provider: DatabaseProvider): string[] {
  return listMigrations(MIGRATIONS[provider].migrationsDir);
}
