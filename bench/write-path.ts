// node --import tsx bench/write-path.ts [--writes N]: what one audited write costs on each way the
// service could write it, on SQLite and on PostgreSQL, interleaved in one run so that a noisy
// machine weighs on each alike. The write is a token rename and its TOKEN_RENAMED event (the audit
// row and its outbox statement), as updateToken makes it:
// - driver steps: the store's write path (persistence/sql-driver.ts), one transaction of prepared statements;
// - Prisma batch: the same three statements as one `$transaction([...])` of the Prisma client.
// It decided the one write path of issue #22 (docs/architecture.md); rerun it when either changes.
import { auditEvent } from '../server/src/domain/audit.js';
import { auditSteps } from '../server/src/persistence/audit-event-steps.js';
import { openDatabase, type Database } from '../server/src/persistence/database.js';
import { createTestDatabase } from '../server/test/support/test-database.js';
import type { DatabaseProvider } from '../server/src/persistence/database-provider.js';

const writesIndex = process.argv.indexOf('--writes');
const WRITES = writesIndex > 0 ? Number(process.argv[writesIndex + 1]) : 2000;
const ACTOR = { type: 'SESSION' as const, id: 'bench-session', clientAddress: '127.0.0.1', userAgent: 'bench' };

const RENAME = {
  name: 'bench_token_rename',
  text: `UPDATE "ApiToken" SET "name" = $3 WHERE "id" = $1 AND "accountId" = $2 AND "deletedAt" IS NULL RETURNING "id", "name"`,
};

async function seed(database: Database): Promise<{ accountId: string; tokenId: string }> {
  const account = await database.prisma.account.create({ data: { email: 'bench@example.com', passwordHash: 'stand-in', planId: 'business' } });
  const token = await database.prisma.apiToken.create({
    data: { accountId: account.id, name: 'bench', secretHash: 'bench-hash', preview: 'pgd_bench', activeSlot: 1 },
  });
  return { accountId: account.id, tokenId: token.id };
}

type Way = (index: number) => Promise<void>;

function ways(database: Database, accountId: string, tokenId: string): Record<string, Way> {
  const event = (index: number) => auditEvent('TOKEN_RENAMED', ACTOR, new Date(), { accountId, tokenId, details: { name: `n${index}` } });
  return {
    'driver steps': async (index) => {
      const result = await database.sql.transaction([
        { statement: RENAME, params: [tokenId, accountId, `n${index}`], requireRow: true },
        ...auditSteps(event(index)),
      ]);
      if (!result.committed) throw new Error('the rename did not commit');
    },
    'Prisma batch': async (index) => {
      const recorded = event(index);
      const [, outbox] = auditSteps(recorded);
      await database.prisma.$transaction([
        database.prisma.apiToken.update({ where: { id: tokenId, accountId, deletedAt: null }, data: { name: `n${index}` }, select: { id: true, name: true } }),
        database.prisma.auditEvent.create({ data: { ...recorded, details: recorded.details } }),
        ...(outbox ? [database.prisma.$executeRawUnsafe(outbox.statement.text, ...outbox.params)] : []),
      ]);
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(provider: DatabaseProvider) {
  const testDatabase = await createTestDatabase(provider);
  const database = await openDatabase(testDatabase.url);
  try {
    const { accountId, tokenId } = await seed(database);
    const byWay = ways(database, accountId, tokenId);
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(byWay).map((name) => [name, []]));
    // warm-up: prepared statements, the query compiler's caches, JIT
    for (let index = 0; index < 200; index++) for (const way of Object.values(byWay)) await way(index);
    for (let index = 0; index < WRITES; index++) {
      for (const [name, way] of Object.entries(byWay)) {
        const started = process.hrtime.bigint();
        await way(index);
        samples[name]!.push(Number(process.hrtime.bigint() - started) / 1000);
      }
    }
    const baseline = median(samples['driver steps']!);
    for (const [name, values] of Object.entries(samples)) {
      const value = median(values);
      console.log(`${provider} · ${name}: median ${value.toFixed(0)} µs per audited write (×${(value / baseline).toFixed(2)} of driver steps), ${values.length} writes`);
    }
  } finally {
    await database.close();
    await testDatabase.drop();
  }
}

await measure('sqlite');
await measure('postgresql');
