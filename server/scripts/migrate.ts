// npm run db:migrate: applies pending migrations to DATABASE_URL (default: the embedded SQLite file).
import { configFromEnv } from '../src/config.js';
import { migrateDatabase } from '../src/persistence/migrations/migrate-database.js';
import { providerOf } from '../src/persistence/database.js';

const { databaseUrl } = configFromEnv();
const applied = await migrateDatabase(providerOf(databaseUrl), databaseUrl);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
