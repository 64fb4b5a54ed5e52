// npm run db:migrate: applies pending migrations to DATABASE_URL (default: the embedded SQLite file).
import { configFromEnv } from '../src/config.js';
import { openDatabase } from '../src/persistence/database.js';

const database = await openDatabase(configFromEnv().databaseUrl);
try {
  const applied = await database.migrate();
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
} finally {
  await database.close();
}
