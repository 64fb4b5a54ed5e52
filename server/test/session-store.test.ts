// The session store's port (server/src/domain/ports.ts), on the database itself: a lookup
// returns the session with its account, and a delete returns the session it deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountRecord } from '../src/domain/ports.js';
import { auditEvent } from '../src/domain/audit.js';
import { DatabaseAccountStore } from '../src/persistence/account-store.js';
import { DatabaseSessionStore } from '../src/persistence/session-store.js';
import { openDatabase, type Database } from '../src/persistence/database.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

let testDatabase: TestDatabase;
let database: Database;
let sessions: DatabaseSessionStore;
let account: AccountRecord;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = await openDatabase(testDatabase.url);
  sessions = new DatabaseSessionStore(database.sql);
  const created = await new DatabaseAccountStore(database.prisma, database.sql).create(
    { email: 'session-store@example.com', passwordHash: 'stand-in' },
    { secretHash: 'first-session', expiresAt: new Date(Date.now() + 3_600_000), clientAddress: null, userAgent: null },
    recordsNothing,
  );
  if (!created) throw new Error('the account exists already');
  account = created;
});

afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

/** Most of these changes are about the rows they leave, not their audit events. */
const recordsNothing = () => [];
const now = new Date();
const expiresAt = new Date(now.getTime() + 3_600_000);

async function storedSessionId(secretHash: string): Promise<string | undefined> {
  return (await database.prisma.session.findUnique({ where: { secretHash } }))?.id;
}

describe('the session store', () => {
  it('finds an unexpired session with its id, expiry and account', async () => {
    await sessions.create({ accountId: account.id, secretHash: 'find-me', expiresAt, clientAddress: null, userAgent: null }, recordsNothing);
    expect(await sessions.findSession('find-me', now)).toEqual({ id: await storedSessionId('find-me'), expiresAt, lastSeenAt: expect.any(Date), account });
  });

  it('an expired or unknown session is not found', async () => {
    await sessions.create({ accountId: account.id, secretHash: 'expired', expiresAt, clientAddress: null, userAgent: null }, recordsNothing);
    expect(await sessions.findSession('expired', expiresAt)).toBeNull();
    expect(await sessions.findSession('expired', new Date(expiresAt.getTime() - 1))).not.toBeNull(); // until then, found
    expect(await sessions.findSession('never-issued', now)).toBeNull();
  });

  it('deleting returns the deleted session once, then null, and records its events only when it deletes', async () => {
    await sessions.create({ accountId: account.id, secretHash: 'sign-out', expiresAt, clientAddress: null, userAgent: null }, recordsNothing);
    const id = await storedSessionId('sign-out');
    const actor = { type: 'SESSION' as const, id, clientAddress: '203.0.113.7', userAgent: null };
    const signOut = (session: { id: string; accountId: string }) => [auditEvent('SIGN_OUT', { ...actor, id: session.id }, now, { accountId: session.accountId })];
    expect(await sessions.delete('sign-out', signOut)).toEqual({ id, accountId: account.id });
    expect(await storedSessionId('sign-out')).toBeUndefined();
    expect(await sessions.findSession('sign-out', now)).toBeNull();
    expect(await sessions.delete('sign-out', signOut)).toBeNull();
    // the records saw the deleted row, and the second sign-out wrote none
    const events = await database.prisma.auditEvent.findMany({ where: { accountId: account.id, type: 'SIGN_OUT' } });
    expect(events.map((event) => event.actorId)).toEqual([id]);
  });
});
