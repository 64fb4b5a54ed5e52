// The one reach-in into a dependency's private state: the SQLite adapter's `client`, which the
// hot path shares (server/src/persistence/sqlite.ts). These tests pin it to the adapter version it
// was checked against, and check that it still hands over Prisma's own connection.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../generated/prisma/client.js';
import {
  capturingConnection,
  createSqliteAdapterFactory,
  openSqlite,
  SQLITE_ADAPTER_CHECKED_VERSION,
} from '../src/persistence/sqlite.js';

const directory = mkdtempSync(path.join(tmpdir(), 'pogodoc-sqlite-adapter-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function installedAdapterVersion(): string {
  // the package's exports hide its package.json; it sits beside dist/
  const entry = createRequire(import.meta.url).resolve('@prisma/adapter-better-sqlite3');
  const manifest = path.join(path.dirname(entry), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

describe("the SQLite adapter's private connection", () => {
  it('is read from the adapter version it was checked against', () => {
    expect(
      installedAdapterVersion(),
      `@prisma/adapter-better-sqlite3 changed version: check that capturingConnection in server/src/persistence/sqlite.ts ` +
        `still finds the adapter's better-sqlite3 connection as \`client\`, then set SQLITE_ADAPTER_CHECKED_VERSION to the new version`,
    ).toBe(SQLITE_ADAPTER_CHECKED_VERSION);
  });

  it("is the very connection Prisma's queries run on", async () => {
    let captured: BetterSqlite3.Database | undefined;
    const factory = capturingConnection(createSqliteAdapterFactory(path.join(directory, 'capture.db')), (c) => (captured = c));
    const prisma = new PrismaClient({ adapter: factory });
    try {
      // a temporary table exists only on the connection that created it
      await prisma.$executeRawUnsafe('CREATE TEMP TABLE probe (x TEXT)');
      await prisma.$executeRawUnsafe("INSERT INTO probe (x) VALUES ('written by Prisma')");
      expect(captured?.prepare('SELECT x FROM temp.probe').pluck().get()).toBe('written by Prisma');
    } finally {
      await prisma.$disconnect();
    }
  });

  it("gives the hot path's driver the connection that carries the per-connection pragmas", async () => {
    const { prisma, sql } = await openSqlite(`file:${path.join(directory, 'open.db')}`, (factory) => factory);
    try {
      // synchronous is per connection: NORMAL (1) here, where a second connection would have FULL (2)
      expect(await sql.rows({ name: 'probe_synchronous', text: 'PRAGMA synchronous' }, [])).toEqual([{ synchronous: 1 }]);
      expect(await sql.rows({ name: 'probe_foreign_keys', text: 'PRAGMA foreign_keys' }, [])).toEqual([{ foreign_keys: 1 }]);
    } finally {
      await prisma.$disconnect();
    }
  });
});
