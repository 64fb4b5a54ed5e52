// npm run db:migrate: applies pending migrations to DATABASE_URL (default: the embedded SQLite file).
import { configFromEnv } from '../src/config.js';
import { migrateDatabase } from '../src/persistence/database.js';

const applied = await migrateDatabase(configFromEnv().databaseUrl);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
