// The SDK's management calls against the real server, with a management token only: the rotation
// script of the README, every call, a missing scope, and the retries that must not happen (a
// second token or a second roll after a lost answer). Runs on SQLite and on PostgreSQL (API_SUITES).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PogodocClient, PogodocError } from '../../sdk/src/index.js';
import { droppingProxy } from './support/dropping-proxy.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t?.close());

const sdk = (token: string, baseUrl = url) => new PogodocClient({ token, baseUrl, envFile: '/nonexistent/.env', minRetryDelayMs: 1, maxRetryDelayMs: 5 });

async function managementToken(session: string, scopes: string[]): Promise<string> {
  const made = await t.gql('mutation($scopes: [TokenScope!]) { generateToken(name: "rotation", scopes: $scopes) { secret } }', { scopes }, bearer(session));
  if (!made.data) throw new Error(JSON.stringify(made.errors));
  return made.data.generateToken.secret;
}

describe('the SDK with a management token', () => {
  it("rotates a document token as the README's script does: roll with a grace period, deploy the new secret, the old one stops after", async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const production = await t.generateToken(session, 'Production');
    const pogodoc = sdk(await managementToken(session, ['TOKENS_READ', 'TOKENS_WRITE', 'DOCUMENTS_RENDER']));

    // the script
    const current = (await pogodoc.tokens.list()).find((token) => token.name === 'Production');
    expect(current?.id).toBe(production.id);
    const { secret, token } = await pogodoc.tokens.roll(current!.id, { gracePeriod: 'ONE_HOUR' });
    expect(token.previousSecretWorksUntil).not.toBeNull();

    // deployed: both secrets work through the grace period; the count is the token's
    expect((await sdk(secret).renderDocument({ template: 'new', data: {} })).documentCount).toBe(1);
    expect((await sdk(production.secret).renderDocument({ template: 'old', data: {} })).documentCount).toBe(2);
    // ending the grace period at once: a roll with NONE stops every earlier secret
    const final = await pogodoc.tokens.roll(current!.id, { gracePeriod: 'NONE' });
    const old = await sdk(secret).renderDocument({ template: 'old', data: {} }).catch((error: unknown) => error);
    expect(old).toMatchObject({ code: 'API_TOKEN_ROLLED', status: 401 });
    expect((await sdk(final.secret).renderDocument({ template: 'new', data: {} })).documentCount).toBe(3);
  });

  it('generates, lists, updates and deletes tokens; reads usage and the activity log', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const pogodoc = sdk(await managementToken(session, ['TOKENS_READ', 'TOKENS_WRITE', 'USAGE_READ', 'AUDIT_READ', 'DOCUMENTS_RENDER']));
    const made = await pogodoc.tokens.generate({ name: 'ci', scopes: ['DOCUMENTS_RENDER'], expiresIn: 'DAYS_30' });
    expect(made.token).toMatchObject({ name: 'ci', scopes: ['DOCUMENTS_RENDER'], status: 'ACTIVE', documentCount: 0 });
    expect(made.secret).toMatch(/^pgd_/);
    await sdk(made.secret).renderDocument({ template: 'x', data: {} });

    const renamed = await pogodoc.tokens.update(made.token.id, { name: 'ci (old)', allowedIps: ['203.0.113.0/24'] });
    expect(renamed).toMatchObject({ name: 'ci (old)', allowedIps: ['203.0.113.0/24'], documentCount: 1 });
    await pogodoc.tokens.delete(made.token.id);
    const deleted = await pogodoc.tokens.list({ status: 'DELETED' });
    expect(deleted.map((token) => token.id)).toEqual([made.token.id]);

    const now = new Date();
    const points = await pogodoc.usage({ from: new Date(now.getTime() - 60 * 60 * 1000), to: new Date(now.getTime() + 60 * 60 * 1000), granularity: 'HOUR' });
    expect(points.reduce((sum, point) => sum + point.documentCount, 0)).toBe(1);

    const page = await pogodoc.audit.list({ first: 10, types: ['TOKEN_GENERATED', 'TOKEN_DELETED'] });
    expect(page.events.map((event) => [event.type, event.actorType])).toEqual([
      ['TOKEN_DELETED', 'API_TOKEN'],
      ['TOKEN_GENERATED', 'API_TOKEN'],
      // the management token itself, made on the dashboard
      ['TOKEN_GENERATED', 'SESSION'],
    ]);
  });

  it('a call its token has no scope for is PogodocError API_TOKEN_SCOPE_MISSING, 403, not retried', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const reader = sdk(await managementToken(session, ['TOKENS_READ']));
    expect(await reader.tokens.list()).toHaveLength(1);
    const refused = await reader.tokens.generate({ name: 'nope' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PogodocError);
    expect(refused).toMatchObject({ code: 'API_TOKEN_SCOPE_MISSING', status: 403, retryable: false, attempts: 1 });
    expect((refused as Error).message).toContain('TOKENS_WRITE');
  });
});

describe('what the SDK retries after a lost answer', () => {
  it('a generate whose answer was lost is not sent again: one token, and the error says the answer was lost', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const proxy = await droppingProxy(url, 1);
    try {
      const error = await sdk(await managementToken(session, ['TOKENS_WRITE']), proxy.url)
        .tokens.generate({ name: 'once', scopes: ['TOKENS_WRITE'] })
        .catch((failure: unknown) => failure);
      expect(error).toMatchObject({ code: 'NETWORK_ERROR', attempts: 1 });
      expect(proxy.stats).toMatchObject({ connections: 1, dropped: 1 });
    } finally {
      await proxy.close();
    }
    const listed = await t.gql('{ tokens { name } }', {}, bearer(session));
    expect(listed.data.tokens.map((token: { name: string }) => token.name).sort()).toEqual(['once', 'rotation']);
  });

  it('a delete whose answer was lost is sent again, and resolves: the token is deleted, once', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const doomed = await t.generateToken(session, 'doomed');
    const proxy = await droppingProxy(url, 1);
    try {
      await sdk(await managementToken(session, ['TOKENS_WRITE', 'DOCUMENTS_RENDER']), proxy.url).tokens.delete(doomed.id);
      expect(proxy.stats).toMatchObject({ connections: 2, dropped: 1 });
    } finally {
      await proxy.close();
    }
    const log = await t.gql('{ auditEventConnection(first: 10, types: [TOKEN_DELETED]) { edges { node { token { id } } } } }', {}, bearer(session));
    expect(log.data.auditEventConnection.edges.map((edge: { node: { token: { id: string } } }) => edge.node.token.id)).toEqual([doomed.id]);
  });
});
