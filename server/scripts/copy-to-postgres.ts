// npm run db:copy -- <from DATABASE_URL> <to DATABASE_URL>
// e.g. npm run db:copy -- file:./data/pogodoc.db postgresql://user@host:5432/pogodoc
// Applies pending migrations to both, then copies every row into the (empty) target.
// Stop the server first, so that nothing changes during the copy.
import { openDatabase } from '../src/persistence/database.js';
import { copyDatabase } from '../src/persistence/migrations/copy-database.js';

const [fromUrl, toUrl] = process.argv.slice(2);
if (!fromUrl || !toUrl) {
  console.error('usage: npm run db:copy -- <from DATABASE_URL> <to DATABASE_URL>');
  process.exit(2);
}
const from = await openDatabase(fromUrl);
const to = await openDatabase(toUrl);
try {
  const copied = await copyDatabase(from.prisma, to.prisma);
  console.log(`copied ${copied.accounts} accounts, ${copied.sessions} sessions, ${copied.apiTokens} API tokens, ${copied.idempotencyKeys} idempotency keys`);
} finally {
  await from.close();
  await to.close();
}
