// The session store's port (server/src/domain/ports.ts), on the database itself: a lookup
// returns the session with its account, and a delete returns the session it deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountRecord } from '../src/domain/ports.js';
import { PrismaAccountStore, PrismaSessionStore } from '../src/persistence/account-store.js';
import { openDatabase, type Database } from '../src/persistence/database.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

let testDatabase: TestDatabase;
let database: Database;
let sessions: PrismaSessionStore;
let account: AccountRecord;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = await openDatabase(testDatabase.url);
  sessions = new PrismaSessionStore(database.prisma, database.sql);
  const created = await new PrismaAccountStore(database.prisma).create({ email: 'session-store@example.com', passwordHash: 'stand-in' });
  if (!created) throw new Error('the account exists already');
  account = created;
});

afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

const now = new Date();
const expiresAt = new Date(now.getTime() + 3_600_000);

async function storedSessionId(secretHash: string): Promise<string | undefined> {
  return (await database.prisma.session.findUnique({ where: { secretHash } }))?.id;
}

describe('the session store', () => {
  it('finds an unexpired session with its id, expiry and account', async () => {
    await sessions.create({ accountId: account.id, secretHash: 'find-me', expiresAt });
    expect(await sessions.findSession('find-me', now)).toEqual({ id: await storedSessionId('find-me'), expiresAt, account });
  });

  it('an expired or unknown session is not found', async () => {
    await sessions.create({ accountId: account.id, secretHash: 'expired', expiresAt });
    expect(await sessions.findSession('expired', expiresAt)).toBeNull();
    expect(await sessions.findSession('expired', new Date(expiresAt.getTime() - 1))).not.toBeNull(); // until then, found
    expect(await sessions.findSession('never-issued', now)).toBeNull();
  });

  it('deleting returns the deleted session once, then null', async () => {
    await sessions.create({ accountId: account.id, secretHash: 'sign-out', expiresAt });
    const id = await storedSessionId('sign-out');
    expect(await sessions.delete('sign-out')).toEqual({ id, accountId: account.id });
    expect(await storedSessionId('sign-out')).toBeUndefined();
    expect(await sessions.findSession('sign-out', now)).toBeNull();
    expect(await sessions.delete('sign-out')).toBeNull();
  });
});
