// A store reads a record two ways: Prisma for most reads, and the hot path's raw statements for
// sessions, token lists and token authentication (server/src/persistence/row-model.ts). Both must
// read the same record from the same row: the same keys, and values of the same type.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriodOf } from '../src/domain/metering.js';
import type { AccountRecord, ApiTokenRecord } from '../src/domain/ports.js';
import { DatabaseAccountStore } from '../src/persistence/account-store.js';
import { DatabaseSessionStore } from '../src/persistence/session-store.js';
import { openDatabase, type Database } from '../src/persistence/database.js';
import { DatabaseTokenStore } from '../src/persistence/token-store.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

let testDatabase: TestDatabase;
let database: Database;
let accounts: DatabaseAccountStore;
let sessions: DatabaseSessionStore;
let tokens: DatabaseTokenStore;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = await openDatabase(testDatabase.url);
  accounts = new DatabaseAccountStore(database.prisma, database.sql);
  sessions = new DatabaseSessionStore(database.sql);
  tokens = new DatabaseTokenStore(database.prisma, database.sql);
});

afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

const later = new Date(Date.now() + 3_600_000);
/** These changes are about the rows they leave, not their audit events. */
const recordsNothing = () => [];
const at = new Date('2030-01-02T03:04:05.678Z');

/** The same keys, and equal values (a date read as text, or a count as a bigint, differs). */
function expectSameRecord(raw: object | null | undefined, prisma: object | null | undefined) {
  expect(raw).toBeTruthy();
  expect(Object.keys(raw!).sort()).toEqual(Object.keys(prisma!).sort());
  expect(raw).toStrictEqual(prisma);
}

async function newAccount(email: string): Promise<AccountRecord> {
  const account = await accounts.create({ email, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$stand-in' }, { secretHash: `first-${email}`, expiresAt: later, clientAddress: null, userAgent: null }, recordsNothing);
  if (!account) throw new Error(`${email} is taken`);
  return account;
}

describe('the raw statements and Prisma read the same record', () => {
  it("a session's account: with no plan, and with a plan chosen then cancelled", async () => {
    const withoutPlan = await newAccount('row-model-no-plan@example.com');
    const cancelled = await newAccount('row-model-cancelled@example.com');
    await accounts.setPlan(cancelled.id, 'free', at, recordsNothing);
    await accounts.cancelPlan(cancelled.id, new Date(at.getTime() + 1000), recordsNothing);

    for (const account of [withoutPlan, cancelled]) {
      const secretHash = `row-model-session-${account.id}`;
      await sessions.create({ accountId: account.id, secretHash, expiresAt: later, clientAddress: '2001:db8::1', userAgent: 'row-models' }, recordsNothing);
      const session = await sessions.findSession(secretHash, new Date());
      expectSameRecord(session?.account, await accounts.findByEmail(account.email!));
    }
  });

  it('a token: unused, used, deleted, expiring and rolled', async () => {
    const owner = await newAccount('row-model-tokens@example.com');
    const created: ApiTokenRecord[] = [];
    const now = new Date();
    for (const name of ['unused', 'used', 'deleted', 'expiring', 'rolled']) {
      const expiresAt = name === 'expiring' ? new Date(now.getTime() + 60_000) : null;
      const result = await tokens.createWithinLimit({ accountId: owner.id, name, secretHash: `row-model-${name}`, preview: `pgd_${name}`, expiresAt, scopes: name === 'rolled' ? 'DOCUMENTS_RENDER TOKENS_READ' : 'DOCUMENTS_RENDER', allowedIps: null, monthlyDocumentLimit: null, rateLimitPerSecond: null, rateLimitPerMinute: null, mode: name === 'used' ? 'TEST' : 'LIVE' }, 10, now, recordsNothing);
      if (result.outcome !== 'created') throw new Error(result.outcome);
      created.push(result.token);
    }
    const [unused, used, deleted, expiring, rolled] = created as [ApiTokenRecord, ApiTokenRecord, ApiTokenRecord, ApiTokenRecord, ApiTokenRecord];
    await tokens.recordDocument(used.id, { at, clientAddress: '203.0.113.9', userAgent: 'pogodoc-js/1.2' });
    await tokens.recordDocument(deleted.id, { at, clientAddress: '2001:db8::1', userAgent: null });
    await tokens.softDelete(owner.id, deleted.id, new Date(at.getTime() + 1000), recordsNothing);
    const roll = await tokens.roll(owner.id, rolled.id, { secretHash: 'row-model-rolled-next', preview: 'pgd_next', previousValidUntil: later }, now, recordsNothing);
    expect(roll.outcome).toBe('rolled');
    if (roll.outcome === 'rolled') expectSameRecord(roll.token, await tokens.findOwned(owner.id, rolled.id));

    const listed = [...(await tokens.list(owner.id, 'ACTIVE', now)), ...(await tokens.list(owner.id, 'DELETED', now))];
    expect(listed.map((token) => token.id).sort()).toEqual([unused.id, used.id, deleted.id, expiring.id, rolled.id].sort());
    for (const token of listed) expectSameRecord(token, await tokens.findOwned(owner.id, token.id));

    for (const { id, name } of [unused, used, deleted, expiring, rolled]) {
      const authenticated = await tokens.findForAuthentication(`row-model-${name}`, billingPeriodOf(at));
      expectSameRecord(authenticated?.token, await tokens.findOwned(owner.id, id));
      // the account's period, read with the token: the two documents above, on whichever token
      expect(authenticated?.accountPeriodDocumentCount).toBe(2);
      expect((await tokens.findForAuthentication(`row-model-${name}`, '1999-01'))?.accountPeriodDocumentCount).toBe(0);
    }
  });
});
