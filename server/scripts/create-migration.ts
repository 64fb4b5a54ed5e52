// npm run db:migration:create -- <name>
// Diffs the existing migrations against the schema and writes the difference as a new
// <timestamp>_<name>/migration.sql, for both providers, so that they never drift apart:
// - SQLite (prisma/migrations): replayed into an in-memory shadow database.
// - PostgreSQL (prisma/postgresql/migrations): replayed into a temporary database on the server
//   at MIGRATION_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres), dropped afterwards.
import { MIGRATIONS } from '../src/persistence/migrations/migrate-database.js';
import { createPostgresMigrationAdapterFactory } from '../src/persistence/migrations/postgres-migration-adapter.js';
import { createMigration } from '../src/persistence/migrations/schema-engine.js';
import { createSqliteAdapterFactory } from '../src/persistence/sqlite.js';

const name = process.argv[2];
if (!name) {
  console.error('usage: npm run db:migration:create -- <name>');
  process.exit(2);
}
const now = new Date();
const postgresUrl = process.env.MIGRATION_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const targets = [
  { provider: 'sqlite', factory: createSqliteAdapterFactory(':memory:') },
  { provider: 'postgresql', factory: createPostgresMigrationAdapterFactory(postgresUrl) },
] as const;
for (const { provider, factory } of targets) {
  const folder = await createMigration(factory, MIGRATIONS[provider], name, now);
  console.log(`${provider}: ${folder ? `created ${folder}` : 'the schema matches the migrations: nothing to create'}`);
}
