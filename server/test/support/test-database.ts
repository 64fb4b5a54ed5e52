// A database of the test file's own: a fresh SQLite file, or (TEST_DATABASE=postgresql) a fresh
// PostgreSQL database named at random on the server at TEST_POSTGRES_URL, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseProvider } from '../../src/persistence/database.js';

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  provider: DatabaseProvider;
  url: string;
  /** The SQLite file, for the checks that read it directly. */
  sqliteFile?: string;
  drop(): Promise<void>;
}

export function testDatabaseProvider(): DatabaseProvider {
  return process.env.TEST_DATABASE === 'postgresql' ? 'postgresql' : 'sqlite';
}

export async function withPostgresAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(provider: DatabaseProvider = testDatabaseProvider()): Promise<TestDatabase> {
  if (provider === 'postgresql') {
    const name = `pogodoc_test_${randomBytes(6).toString('hex')}`;
    await withPostgresAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = `/${name}`;
    return {
      provider,
      url: url.toString(),
      drop: () => withPostgresAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
    };
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'pogodoc-test-'));
  const sqliteFile = path.join(directory, 'test.db');
  return {
    provider,
    url: `file:${sqliteFile}`,
    sqliteFile,
    drop: async () => rmSync(directory, { recursive: true, force: true }),
  };
}
