// Moves an existing deployment's data (e.g. the embedded SQLite file) into another, empty
// database (e.g. PostgreSQL) with every id, hash, count and slot as it was, so that sessions
// and API tokens keep working. Both databases must be on the same migrations.
import type { PrismaClient } from '../../../generated/prisma/client.js';

const BATCH = 500;

export interface CopySummary {
  accounts: number;
  sessions: number;
  apiTokens: number;
  idempotencyKeys: number;
  twoFactors: number;
  memberships: number;
}

export async function copyDatabase(from: PrismaClient, to: PrismaClient): Promise<CopySummary> {
  if ((await to.account.count()) > 0) {
    throw new Error('the target database already has accounts; copy only into an empty database');
  }
  // parents before children, for the foreign keys
  const accounts = await copyTable(() => from.account.findMany({ orderBy: { id: 'asc' } }), (rows) => to.account.createMany({ data: rows }));
  const sessions = await copyTable(() => from.session.findMany({ orderBy: { id: 'asc' } }), (rows) => to.session.createMany({ data: rows }));
  const apiTokens = await copyTable(() => from.apiToken.findMany({ orderBy: { id: 'asc' } }), (rows) => to.apiToken.createMany({ data: rows }));
  // a client retrying across the move still gets its document back instead of a second one
  const idempotencyKeys = await copyTable(
    () => from.idempotencyKey.findMany({ orderBy: [{ tokenId: 'asc' }, { key: 'asc' }] }),
    (rows) => to.idempotencyKey.createMany({ data: rows }),
  );
  // an account's second factor moves with it: a copy without it would sign in on the password alone
  const twoFactors = await copyTable(() => from.twoFactor.findMany({ orderBy: { accountId: 'asc' } }), (rows) => to.twoFactor.createMany({ data: rows }));
  await copyTable(() => from.recoveryCode.findMany({ orderBy: { id: 'asc' } }), (rows) => to.recoveryCode.createMany({ data: rows }));
  // a team's people move with it, and its pending invitations keep working
  const memberships = await copyTable(() => from.membership.findMany({ orderBy: [{ teamId: 'asc' }, { userId: 'asc' }] }), (rows) => to.membership.createMany({ data: rows }));
  await copyTable(() => from.invitation.findMany({ orderBy: { id: 'asc' } }), (rows) => to.invitation.createMany({ data: rows }));
  return { accounts, sessions, apiTokens, idempotencyKeys, twoFactors, memberships };
}

async function copyTable<Row>(read: () => Promise<Row[]>, write: (rows: Row[]) => Promise<unknown>): Promise<number> {
  const rows = await read();
  for (let start = 0; start < rows.length; start += BATCH) await write(rows.slice(start, start + BATCH));
  return rows.length;
}
