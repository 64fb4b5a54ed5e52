// The teams migration on a database that was in use before it: an account becomes its person's
// personal team, owned by them, and keeps its plan, tokens, secrets, counts and history.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { configFromEnv } from '../src/config.js';
import { generateSecret, hashSecret, previewSecret } from '../src/domain/secrets.js';
import { MIGRATIONS } from '../src/persistence/migrations/migrate-database.js';
import { applyPendingMigrations } from '../src/persistence/migrations/schema-engine.js';
import { createSqliteAdapterFactory } from '../src/persistence/sqlite.js';
import { appGql, bearer } from './support/test-app.js';

const directory = mkdtempSync(path.join(tmpdir(), 'pogodoc-teams-migration-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const sqliteDate = (date: Date) => date.toISOString().replace('Z', '+00:00');

describe('the teams migration', () => {
  it('makes every existing account its person’s personal team, with its tokens, counts and history as they were', async () => {
    // the migrations up to the one before teams
    const before = path.join(directory, 'migrations');
    const names = readdirSync(MIGRATIONS.sqlite.migrationsDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
    const teams = names.findIndex((name) => name.endsWith('_teams'));
    expect(teams).toBeGreaterThan(0);
    for (const name of names.slice(0, teams)) cpSync(path.join(MIGRATIONS.sqlite.migrationsDir, name), path.join(before, name), { recursive: true });
    cpSync(path.join(MIGRATIONS.sqlite.migrationsDir, 'migration_lock.toml'), path.join(before, 'migration_lock.toml'));
    const file = path.join(directory, 'in-use.db');
    await applyPendingMigrations(createSqliteAdapterFactory(file), { ...MIGRATIONS.sqlite, migrationsDir: before });

    // an account in use: a plan, a session, a token with documents made, an audit event
    const now = new Date();
    const sessionToken = generateSecret('session');
    const secret = generateSecret('apiToken');
    const db = new Database(file);
    db.prepare(`INSERT INTO "Account" ("id", "email", "passwordHash", "planId", "planActivatedAt", "createdAt") VALUES (?, ?, ?, ?, ?, ?)`).run(
      'acct_before', 'before@example.com', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'pro', sqliteDate(now), sqliteDate(now),
    );
    db.prepare(`INSERT INTO "Session" ("id", "accountId", "secretHash", "createdAt", "expiresAt") VALUES (?, ?, ?, ?, ?)`).run(
      'sess_before', 'acct_before', hashSecret(sessionToken), sqliteDate(now), sqliteDate(new Date(now.getTime() + 3_600_000)),
    );
    db.prepare(`INSERT INTO "ApiToken" ("id", "accountId", "name", "secretHash", "preview", "documentCount", "createdAt", "activeSlot", "scopes") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      'tok_before', 'acct_before', 'production', hashSecret(secret), previewSecret(secret), 41, sqliteDate(now), 1, 'DOCUMENTS_RENDER TOKENS_READ',
    );
    db.prepare(`INSERT INTO "AuditEvent" ("id", "accountId", "type", "actorType", "actorId", "tokenId", "createdAt") VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
      'evt_before', 'acct_before', 'TOKEN_GENERATED', 'SESSION', 'sess_before', 'tok_before', sqliteDate(now),
    );
    db.close();

    // the service starts on it, and applies the teams migration
    const app = await buildApp({ ...configFromEnv({}), databaseUrl: `file:${file}`, logging: false });
    try {
      const seen = await appGql(app, '{ teams { role team { id email personal } } viewer { planActive } teamMembers { userId role } tokens { id name documentCount scopes } auditEventConnection(first: 5) { edges { node { id type token { id } } } } }', {}, bearer(sessionToken));
      expect(seen.errors).toBeUndefined();
      expect(seen.data.teams).toEqual([{ role: 'OWNER', team: { id: 'acct_before', email: 'before@example.com', personal: true } }]);
      expect(seen.data.viewer.planActive).toBe(true);
      expect(seen.data.teamMembers).toEqual([{ userId: 'acct_before', role: 'OWNER' }]);
      expect(seen.data.tokens).toEqual([{ id: 'tok_before', name: 'production', documentCount: 41, scopes: ['DOCUMENTS_RENDER', 'TOKENS_READ'] }]);
      expect(seen.data.auditEventConnection.edges.map((edge: { node: unknown }) => edge.node)).toEqual([{ id: 'evt_before', type: 'TOKEN_GENERATED', token: { id: 'tok_before' } }]);
      // the same secret still makes documents, and counts on
      const rendered = await appGql(app, 'mutation { renderDocument(template: "Hi", data: {}) { tokenId documentCount } }', {}, bearer(secret));
      expect(rendered.data.renderDocument).toEqual({ tokenId: 'tok_before', documentCount: 42 });
    } finally {
      await app.stop();
    }
  });
});
