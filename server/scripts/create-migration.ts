// npm run db:migration:create -- <name>
// Diffs the existing migrations against prisma/schema.prisma and writes the difference as a
// new prisma/migrations/<timestamp>_<name>/migration.sql. Needs no database: the engine
// replays the migrations into an in-memory SQLite shadow database.
import { createSqliteAdapterFactory, SQLITE_MIGRATIONS } from '../src/persistence/database.js';
import { createMigration } from '../src/persistence/schema-engine.js';

const name = process.argv[2];
if (!name) {
  console.error('usage: npm run db:migration:create -- <name>');
  process.exit(2);
}
const folder = await createMigration(createSqliteAdapterFactory(':memory:'), SQLITE_MIGRATIONS, name);
console.log(folder ? `created ${folder}` : 'the schema matches the migrations: nothing to create');
