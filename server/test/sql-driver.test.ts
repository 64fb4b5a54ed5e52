// The one write path's transactions (persistence/sql-driver.ts), on the real database of the
// project: all or nothing whatever stops them. On PostgreSQL a transaction without follow-ups goes
// out in one round trip (BEGIN, the statements, COMMIT), and one with follow-ups in flights of
// statements; both must stop where running the steps one by one would have, and keep nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/persistence/database.js';
import type { SqlStatement, SqlStep, TransactionStep } from '../src/persistence/sql-driver.js';
import { createTestDatabase, testDatabaseProvider, type TestDatabase } from './support/test-database.js';

let testDatabase: TestDatabase;
let database: Database;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = await openDatabase(testDatabase.url);
  await database.prisma.$executeRawUnsafe('CREATE TABLE "DriverScratch" ("key" TEXT PRIMARY KEY, "n" INTEGER NOT NULL)');
});
afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

const ADD: SqlStatement = {
  name: 'test_scratch_add',
  text: `INSERT INTO "DriverScratch" ("key", "n") VALUES ($1, CAST($2 AS INTEGER))
    ON CONFLICT ("key") DO UPDATE SET "n" = "DriverScratch"."n" + CAST($2 AS INTEGER) RETURNING "key", "n"`,
};
// a row only while the key's n is under a bound: the shape of the quota's charge
const ADD_UNDER: SqlStatement = {
  name: 'test_scratch_add_under',
  text: `UPDATE "DriverScratch" SET "n" = "n" + 1 WHERE "key" = $1 AND "n" < CAST($2 AS INTEGER) RETURNING "n"`,
};
const INSERT: SqlStatement = { name: 'test_scratch_insert', text: `INSERT INTO "DriverScratch" ("key", "n") VALUES ($1, 0)` };
const READ: SqlStatement = { name: 'test_scratch_read', text: `SELECT "n" FROM "DriverScratch" WHERE "key" = $1` };

const add = (key: string, n = 1): SqlStep => ({ statement: ADD, params: [key, n] });
const addUnder = (key: string, bound: number): SqlStep => ({ statement: ADD_UNDER, params: [key, bound], requireRow: true });
const valueOf = async (key: string) => (await database.sql.rows<{ n: number }>(READ, [key]))[0]?.n ?? null;
let keys = 0;
const freshKey = () => `k${++keys}-${Date.now()}`;

describe(`transactions of the write path on ${testDatabaseProvider()}`, () => {
  it('run every step in order and commit: each step sees the ones before it, and its rows come back in order', async () => {
    const key = freshKey();
    const result = await database.sql.transaction([add(key), add(key, 2), addUnder(key, 10)]);
    expect(result).toEqual({ committed: true, rows: [[{ key, n: 1 }], [{ key, n: 3 }], [{ n: 4 }]] });
    expect(await valueOf(key)).toBe(4);
  });

  it('stop at a required step that returns no row, and keep nothing: neither the steps before it nor those after', async () => {
    const [before, stopped, after] = [freshKey(), freshKey(), freshKey()];
    await database.sql.transaction([add(stopped, 5)]);
    const result = await database.sql.transaction([add(before), addUnder(stopped, 5), add(after)]);
    expect(result).toEqual({ committed: false, stoppedAt: 1 });
    expect(await valueOf(before)).toBeNull();
    expect(await valueOf(stopped)).toBe(5);
    expect(await valueOf(after)).toBeNull();
  });

  it('fail as a whole when a statement fails, keeping nothing, and the connection serves the next transaction', async () => {
    const [before, taken] = [freshKey(), freshKey()];
    await database.sql.transaction([{ statement: INSERT, params: [taken] }]);
    await expect(database.sql.transaction([add(before), { statement: INSERT, params: [taken] }, add(before)])).rejects.toBeDefined();
    expect(await valueOf(before)).toBeNull();
    expect(await valueOf(taken)).toBe(0);
    expect(await database.sql.transaction([add(before)])).toMatchObject({ committed: true });
    expect(await valueOf(before)).toBe(1);
  });

  it('hand follow-ups the rows before them, nested too, and stop at a follow-up’s required step by the follow-up’s place', async () => {
    const [key, other] = [freshKey(), freshKey()];
    const seen: number[][] = [];
    const steps: TransactionStep[] = [
      add(key, 3),
      {
        followUp: (earlier) => {
          seen.push(earlier.map((rows) => Number(rows[0]?.n)));
          return [
            add(key, 10),
            { followUp: (inner) => (seen.push(inner.map((rows) => Number(rows[0]?.n))), [add(other, 7)]) },
          ];
        },
      },
      add(key),
    ];
    const result = await database.sql.transaction(steps);
    expect(result).toEqual({ committed: true, rows: [[{ key, n: 3 }], [{ key, n: 13 }, { key: other, n: 7 }], [{ key, n: 14 }]] });
    expect(seen).toEqual([[3], [3, 13]]);

    const stopping: TransactionStep[] = [add(key), { followUp: () => [add(other), addUnder(key, 0)] }, add(other)];
    expect(await database.sql.transaction(stopping)).toEqual({ committed: false, stoppedAt: 1 });
    expect([await valueOf(key), await valueOf(other)]).toEqual([14, 7]);
  });

  it('give exactly the bound to 60 concurrent transactions that each charge 1 under it, however they interleave', async () => {
    const [key, counted] = [freshKey(), freshKey()];
    await database.sql.transaction([add(key, 0)]);
    const results = await Promise.all(Array.from({ length: 60 }, () => database.sql.transaction([addUnder(key, 40), add(counted)])));
    expect(results.filter((result) => result.committed)).toHaveLength(40);
    expect(results.filter((result) => !result.committed && result.stoppedAt === 0)).toHaveLength(20);
    expect([await valueOf(key), await valueOf(counted)]).toEqual([40, 40]);
  });
});
