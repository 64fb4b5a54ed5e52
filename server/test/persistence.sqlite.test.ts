// The embedded default: a SQLite file in WAL mode, migrated at start, keeping everything across restarts.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { configFromEnv } from '../src/config.js';
import { MIGRATIONS } from '../src/persistence/migrations/migrate-database.js';
import { applyPendingMigrations, createMigration } from '../src/persistence/migrations/schema-engine.js';
import { createSqliteAdapterFactory } from '../src/persistence/sqlite.js';
import { appGql } from './support/test-app.js';

const run = promisify(execFile);
const directory = mkdtempSync(path.join(tmpdir(), 'pogodoc-persistence-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const migrationNames = readdirSync(MIGRATIONS.sqlite.migrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const gql = appGql;

describe('the embedded SQLite database', () => {
  it('is created on first start, in WAL mode, with every migration recorded in _prisma_migrations', async () => {
    const file = path.join(directory, 'fresh', 'pogodoc.db');
    const app = await buildApp({ ...configFromEnv({}), databaseUrl: `file:${file}`, logging: false });
    await app.stop();
    expect(existsSync(file)).toBe(true);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const applied = db.prepare('SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name').all() as Array<{ migration_name: string; finished_at: string | null }>;
    db.close();
    expect(applied.map((row) => row.migration_name)).toEqual(migrationNames);
    expect(applied.every((row) => row.finished_at !== null)).toBe(true);
  });

  it('a restart keeps every account, token and count', async () => {
    const file = path.join(directory, 'restart.db');
    const config = { ...configFromEnv({}), databaseUrl: `file:${file}`, logging: false as const };
    let app = await buildApp(config);
    const signUp = await gql(app, 'mutation { signUp(email: "keep@example.com", password: "long password") { sessionToken } }');
    const session = signUp.data.signUp.sessionToken;
    const auth = { authorization: `Bearer ${session}` };
    await gql(app, 'mutation { choosePlan(planId: "free") { id } }', {}, auth);
    const generated = await gql(app, 'mutation { generateToken(name: "durable") { secret token { id } } }', {}, auth);
    const { secret } = generated.data.generateToken;
    for (let i = 0; i < 3; i++) {
      await gql(app, 'mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, { authorization: `Bearer ${secret}` });
    }
    await app.stop();

    app = await buildApp(config);
    const listed = await gql(app, '{ tokens { name documentCount } viewer { email planActive } }', {}, auth);
    expect(listed.data).toEqual({
      tokens: [{ name: 'durable', documentCount: 3 }],
      viewer: { email: 'keep@example.com', planActive: true },
    });
    const again = await gql(app, 'mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, { authorization: `Bearer ${secret}` });
    expect(again.data.renderDocument.documentCount).toBe(4);
    await app.stop();
  });

  it('applying migrations is idempotent: a second run applies nothing', async () => {
    const file = path.join(directory, 'idempotent.db');
    expect(await applyPendingMigrations(createSqliteAdapterFactory(file), MIGRATIONS.sqlite)).toEqual(migrationNames);
    expect(await applyPendingMigrations(createSqliteAdapterFactory(file), MIGRATIONS.sqlite)).toEqual([]);
  });

  it('npm run db:migrate applies migrations on their own', async () => {
    const file = path.join(directory, 'cli', 'migrated.db');
    const { stdout } = await run('npm', ['run', '--silent', 'db:migrate'], { env: { ...process.env, DATABASE_URL: `file:${file}` } });
    expect(stdout).toContain(`applied: ${migrationNames.join(', ')}`);
    const second = await run('npm', ['run', '--silent', 'db:migrate'], { env: { ...process.env, DATABASE_URL: `file:${file}` } });
    expect(second.stdout).toContain('no pending migrations');
  });

  it('the checked-in migrations match prisma/schema.prisma (no migration is missing)', async () => {
    const folder = await createMigration(createSqliteAdapterFactory(':memory:'), MIGRATIONS.sqlite, 'drift-check');
    expect(folder).toBeNull();
  });

  it('a schema change becomes a new migration folder with the SQL for it', async () => {
    const { cpSync, readFileSync, writeFileSync } = await import('node:fs');
    const sandbox = path.join(directory, 'schema-change');
    cpSync(path.dirname(MIGRATIONS.sqlite.schemaPath), sandbox, { recursive: true });
    const schemaPath = path.join(sandbox, 'schema.prisma');
    writeFileSync(schemaPath, readFileSync(schemaPath, 'utf8').replace(/^( {2}name +String\n)/m, '$1  note String?\n'));
    const location = { schemaPath, migrationsDir: path.join(sandbox, 'migrations') };
    const folder = await createMigration(createSqliteAdapterFactory(':memory:'), location, 'add note', new Date('2030-01-02T03:04:05Z'));
    expect(folder).toBe(path.join(sandbox, 'migrations', '20300102030405_add_note'));
    const sql = readFileSync(path.join(folder!, 'migration.sql'), 'utf8');
    expect(sql).toMatch(/"note" TEXT/);
  });
});
