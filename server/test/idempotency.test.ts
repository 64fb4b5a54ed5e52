// Idempotency keys on document requests: a retry never counts a document twice.
// Runs on SQLite and on PostgreSQL (API_SUITES); two instances are in multi-instance/.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_CLAIM_LEASE_MS, IDEMPOTENCY_CLAIM_LINGERING_MS, IDEMPOTENCY_KEY_TTL_MS, IDEMPOTENCY_PRUNE_BATCH, inUseRetryAfterSeconds, requestHashOf } from '../src/domain/idempotency.js';
import { DatabaseIdempotencyStore } from '../src/persistence/idempotency-store.js';
import type { SqlDriver } from '../src/persistence/sql-driver.js';
import { bearer, codes, createTestApp, type GraphQLResponse, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  // no webhook delivery: its once-a-second poll would land among the statements a request is
  // counted by, whenever the machine is slow enough
  t = await createTestApp({ webhookPollMs: 0 });
});
afterAll(() => t?.close());

const RENDER = 'mutation($template: String!, $data: JSON!) { renderDocument(template: $template, data: $data) { content tokenId documentCount replayed } }';

function render(app: TestApp, secret: string, key: string | undefined, template = 'Invoice for {{ customer }}', data: unknown = { customer: 'Ada' }) {
  return app.gql(RENDER, { template, data }, { ...bearer(secret), ...(key === undefined ? {} : { 'idempotency-key': key }) });
}

async function documentCountOf(app: TestApp, session: string, tokenId: string): Promise<number> {
  const result = await app.gql('query($id: ID!) { token(id: $id) { documentCount } }', { id: tokenId }, bearer(session));
  return result.data.token.documentCount;
}

async function newToken(app: TestApp = t) {
  const { session } = await app.signUp();
  const token = await app.generateToken(session);
  return { session, ...token };
}

const keyRows = (tokenId: string) => t.app.database.prisma.idempotencyKey.findMany({ where: { tokenId } });

describe('the same Idempotency-Key and request again', () => {
  it('returns the first result, counts nothing more, and is marked as a replay', async () => {
    const { session, id, secret } = await newToken();
    const key = randomUUID();
    const first = await render(t, secret, key);
    expect(first.status).toBe(200);
    expect(first.data.renderDocument).toEqual({ content: 'Invoice for Ada', tokenId: id, documentCount: 1, replayed: false });
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await render(t, secret, key);
    expect(again.status).toBe(200);
    expect(again.data.renderDocument).toEqual({ ...first.data.renderDocument, replayed: true });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await documentCountOf(t, session, id)).toBe(1);

    // the replay is the first result even after other documents moved the count on
    await render(t, secret, undefined);
    const later = await render(t, secret, key);
    expect(later.data.renderDocument).toEqual({ ...first.data.renderDocument, replayed: true });
    expect(await documentCountOf(t, session, id)).toBe(2);
  });

  it('treats data with its keys in another order as the same request', async () => {
    const { session, id, secret } = await newToken();
    const key = randomUUID();
    await render(t, secret, key, '{{ a }}{{ b.c }}{{ b.d }}', { a: 1, b: { c: 2, d: 3 } });
    const reordered = await render(t, secret, key, '{{ a }}{{ b.c }}{{ b.d }}', { b: { d: 3, c: 2 }, a: 1 });
    expect(reordered.data.renderDocument).toMatchObject({ content: '123', replayed: true });
    expect(await documentCountOf(t, session, id)).toBe(1);
  });

  it('without a key, every request counts, as before', async () => {
    const { session, id, secret } = await newToken();
    await render(t, secret, undefined);
    const second = await render(t, secret, undefined);
    expect(second.data.renderDocument).toMatchObject({ documentCount: 2, replayed: false });
    expect(await documentCountOf(t, session, id)).toBe(2);
  });
});

describe('the same key with a different request', () => {
  it('is refused with IDEMPOTENCY_KEY_REUSED (422) and counts nothing', async () => {
    const { session, id, secret } = await newToken();
    const key = randomUUID();
    await render(t, secret, key);
    for (const changed of [await render(t, secret, key, 'Invoice for {{ customer }}', { customer: 'Grace' }), await render(t, secret, key, 'Receipt for {{ customer }}')]) {
      expect(changed.status).toBe(422);
      expect(codes(changed)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
      expect(changed.errors![0]!.message).toMatch(/Use a new key for each document/);
    }
    expect(await documentCountOf(t, session, id)).toBe(1);
  });

  it('data that differs only under a "__proto__" key is a different request: refused, not replayed', async () => {
    // JSON.parse keeps "__proto__" as an own key, as the server's body parser does
    const protoData = (a: number) => JSON.parse(`{"customer": "Ada", "__proto__": {"a": ${a}}}`) as object;
    expect(requestHashOf('{{ customer }}', protoData(1))).not.toBe(requestHashOf('{{ customer }}', protoData(2)));
    expect(requestHashOf('{{ customer }}', protoData(1))).not.toBe(requestHashOf('{{ customer }}', { customer: 'Ada' }));
    expect(requestHashOf('x', JSON.parse('{"b": {"__proto__": 1}}'))).not.toBe(requestHashOf('x', JSON.parse('{"b": {"__proto__": 2}}')));

    const { session, id, secret } = await newToken();
    const key = randomUUID();
    expect((await render(t, secret, key, '{{ customer }}', protoData(1))).data.renderDocument).toMatchObject({ documentCount: 1, replayed: false });
    // the same data again is still a replay
    expect((await render(t, secret, key, '{{ customer }}', protoData(1))).data.renderDocument).toMatchObject({ documentCount: 1, replayed: true });
    for (const changed of [
      await render(t, secret, key, '{{ customer }}', protoData(2)),
      await render(t, secret, key, '{{ customer }}', { customer: 'Ada' }),
      // written inline in the query rather than as a variable
      await t.gql('mutation { renderDocument(template: "{{ customer }}", data: {customer: "Ada", __proto__: {a: 2}}) { documentCount replayed } }', {}, { ...bearer(secret), 'idempotency-key': key }),
    ]) {
      expect(changed.status).toBe(422);
      expect(codes(changed)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    }
    expect(await documentCountOf(t, session, id)).toBe(1);
  });

  it('from another token is another key: each token counts its own document', async () => {
    const first = await newToken();
    const second = await newToken();
    const key = randomUUID();
    const a = await render(t, first.secret, key);
    const b = await render(t, second.secret, key, 'Other {{ customer }}');
    expect(a.data.renderDocument).toMatchObject({ tokenId: first.id, documentCount: 1, replayed: false });
    expect(b.data.renderDocument).toMatchObject({ tokenId: second.id, content: 'Other Ada', documentCount: 1, replayed: false });
    // and each token's retry is the replay of its own document
    expect((await render(t, first.secret, key)).data.renderDocument).toMatchObject({ tokenId: first.id, content: 'Invoice for Ada', replayed: true });
    expect((await render(t, second.secret, key, 'Other {{ customer }}')).data.renderDocument).toMatchObject({ tokenId: second.id, replayed: true });
  });
});

describe('concurrent requests with one key', () => {
  it('one renders and counts; every other answer is its result or IDEMPOTENCY_KEY_IN_USE (409, Retry-After)', async () => {
    const { session, id, secret } = await newToken();
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => render(t, secret, key)));
    const succeeded = results.filter((result) => result.data?.renderDocument);
    const inUse = results.filter((result) => codes(result)?.[0] === 'IDEMPOTENCY_KEY_IN_USE');
    expect(succeeded.length + inUse.length).toBe(20);
    expect(succeeded.filter((result) => !result.data.renderDocument.replayed)).toHaveLength(1);
    for (const result of succeeded) expect(result.data.renderDocument).toMatchObject({ content: 'Invoice for Ada', documentCount: 1 });
    expect(inUse.length).toBeGreaterThan(0);
    for (const result of inUse) {
      expect(result.status).toBe(409);
      expect(result.headers.get('retry-after')).toBe('1');
      expect(result.errors![0]!.extensions!.retryAfter).toBe(1);
    }
    expect(await documentCountOf(t, session, id)).toBe(1);
    // and once it has finished, the retry gets the result
    expect((await render(t, secret, key)).data.renderDocument).toMatchObject({ documentCount: 1, replayed: true });
  });
});

describe('the key itself', () => {
  it('of up to 255 printable characters is accepted; longer, empty or non-ASCII is IDEMPOTENCY_KEY_INVALID (400)', async () => {
    const { session, id, secret } = await newToken();
    expect((await render(t, secret, 'k'.repeat(255))).data.renderDocument.documentCount).toBe(1);
    for (const bad of ['k'.repeat(256), '', 'clé']) {
      const refused = await render(t, secret, bad);
      expect(refused.status).toBe(400);
      expect(codes(refused)).toEqual(['IDEMPOTENCY_KEY_INVALID']);
      expect(refused.errors![0]!.message).toMatch(/1 to 255 printable ASCII characters/);
    }
    expect(await documentCountOf(t, session, id)).toBe(1);
  });

  it('of a request that failed is free again: nothing was counted, so the corrected request may use it', async () => {
    const { session, id, secret } = await newToken();
    const key = randomUUID();
    expect(codes(await render(t, secret, key, 'Hello {% if %}'))).toEqual(['TEMPLATE_INVALID']);
    expect(await keyRows(id)).toEqual([]);
    const corrected = await render(t, secret, key, 'Hello {{ customer }}');
    expect(corrected.data.renderDocument).toMatchObject({ content: 'Hello Ada', documentCount: 1, replayed: false });
    expect((await render(t, secret, key, 'Hello {{ customer }}')).data.renderDocument.replayed).toBe(true);
    expect(await documentCountOf(t, session, id)).toBe(1);
  });

  it('is forgotten after 24 hours: the same request then counts again', async () => {
    const { session, id, secret } = await newToken();
    const key = randomUUID();
    await render(t, secret, key);
    // a day less a minute later, still a replay
    const at = (ago: number) => t.app.database.prisma.idempotencyKey.updateMany({ where: { tokenId: id }, data: { createdAt: new Date(Date.now() - ago) } });
    await at(IDEMPOTENCY_KEY_TTL_MS - 60_000);
    expect((await render(t, secret, key)).data.renderDocument.replayed).toBe(true);
    await at(IDEMPOTENCY_KEY_TTL_MS + 1000);
    const again = await render(t, secret, key);
    expect(again.data.renderDocument).toMatchObject({ documentCount: 2, replayed: false });
    expect(await documentCountOf(t, session, id)).toBe(2);
  });

  it('held by a request that never finished (its instance stopped) is taken over after the lease', async () => {
    const { session, id, secret } = await newToken();
    const key = randomUUID();
    const requestHash = requestHashOf('Invoice for {{ customer }}', { customer: 'Ada' });
    const claim = { tokenId: id, key, requestHash, claimId: randomUUID() };
    await t.app.database.prisma.idempotencyKey.create({ data: { ...claim, createdAt: new Date() } });
    const held = await render(t, secret, key);
    expect(codes(held)).toEqual(['IDEMPOTENCY_KEY_IN_USE']);
    // a young claim's request is about to finish: come back in a second
    expect(held.headers.get('retry-after')).toBe('1');

    // one that lingers 3 s short of the lease: come back when it lapses, not every second
    await t.app.database.prisma.idempotencyKey.updateMany({ where: { tokenId: id }, data: { createdAt: new Date(Date.now() - IDEMPOTENCY_CLAIM_LEASE_MS + 3000) } });
    const lingering = await render(t, secret, key);
    expect(codes(lingering)).toEqual(['IDEMPOTENCY_KEY_IN_USE']);
    // 3, or less if this machine took a second to answer
    expect(Number(lingering.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(lingering.headers.get('retry-after'))).toBeLessThanOrEqual(3);
    expect(lingering.errors![0]!.extensions!.retryAfter).toBe(Number(lingering.headers.get('retry-after')));

    await t.app.database.prisma.idempotencyKey.updateMany({ where: { tokenId: id }, data: { createdAt: new Date(Date.now() - IDEMPOTENCY_CLAIM_LEASE_MS - 1000) } });
    const taken = await render(t, secret, key);
    expect(taken.data.renderDocument).toMatchObject({ documentCount: 1, replayed: false });
    expect(await documentCountOf(t, session, id)).toBe(1);
  });
});

describe("IDEMPOTENCY_KEY_IN_USE's Retry-After", () => {
  const claimedAt = new Date('2026-12-06T12:00:00Z');
  const after = (ms: number) => new Date(claimedAt.getTime() + ms);
  it('is a second while the claim is young, and once it lingers the seconds until it lapses', () => {
    expect(inUseRetryAfterSeconds(undefined, after(0))).toBe(1);
    expect(inUseRetryAfterSeconds(claimedAt, after(0))).toBe(1);
    expect(inUseRetryAfterSeconds(claimedAt, after(IDEMPOTENCY_CLAIM_LINGERING_MS - 1))).toBe(1);
    expect(inUseRetryAfterSeconds(claimedAt, after(IDEMPOTENCY_CLAIM_LINGERING_MS))).toBe((IDEMPOTENCY_CLAIM_LEASE_MS - IDEMPOTENCY_CLAIM_LINGERING_MS) / 1000);
    expect(inUseRetryAfterSeconds(claimedAt, after(IDEMPOTENCY_CLAIM_LEASE_MS - 2500))).toBe(3);
    expect(inUseRetryAfterSeconds(claimedAt, after(IDEMPOTENCY_CLAIM_LEASE_MS + 5000))).toBe(1);
  });
});

describe('storage', () => {
  it('expired keys are pruned as new keys are written, a bounded number per new key', async () => {
    const { id, secret } = await newToken();
    const expired = new Date(Date.now() - IDEMPOTENCY_KEY_TTL_MS - 60_000);
    const total = IDEMPOTENCY_PRUNE_BATCH + 5;
    // the test database is the file's own, but other tests in it write keys: count only ours
    await t.app.database.prisma.idempotencyKey.createMany({
      data: Array.from({ length: total }, (_, i) => ({
        tokenId: id, key: `old-${i}`, requestHash: 'x', claimId: 'x', createdAt: expired, completedAt: expired, content: 'old', documentCount: 1,
      })),
    });
    const expiredLeft = () => t.app.database.prisma.idempotencyKey.count({ where: { createdAt: { lt: new Date(Date.now() - IDEMPOTENCY_KEY_TTL_MS) } } });
    const firstKey = randomUUID();
    await render(t, secret, firstKey);
    expect(await expiredLeft()).toBe(total - IDEMPOTENCY_PRUNE_BATCH);
    // a replay writes no key and prunes nothing; the next new key takes the rest
    await render(t, secret, firstKey);
    expect(await expiredLeft()).toBe(total - IDEMPOTENCY_PRUNE_BATCH);
    await render(t, secret, randomUUID());
    expect(await expiredLeft()).toBe(0);
    // the keys of the last day stay
    expect(await keyRows(id)).toHaveLength(2);
  });

  it('a request whose claim was taken over while it rendered counts nothing; the one that took it over counts once', async () => {
    const { session, id } = await newToken();
    const store = new DatabaseIdempotencyStore(t.app.database.sql);
    const key = randomUUID();
    const now = new Date();
    const slow = { tokenId: id, key, claimId: randomUUID() };
    const taker = { tokenId: id, key, claimId: randomUUID() };
    const claim = (holder: typeof slow, abandonedBefore: Date) =>
      store.claim({ ...holder, requestHash: 'h', at: new Date(), expiredBefore: new Date(0), abandonedBefore });
    expect(await claim(slow, now)).toEqual({ outcome: 'claimed' });
    // the lease has not passed: the key is held
    expect(await claim(taker, now)).toEqual({ outcome: 'in-progress', requestHash: 'h', claimedAt: expect.any(Date) });
    // it has (seen from a clock past it): taken over
    expect(await claim(taker, new Date(Date.now() + 60_000))).toEqual({ outcome: 'claimed' });
    expect(await store.complete(slow, 'late', { at: new Date(), clientAddress: '203.0.113.9', userAgent: null })).toEqual({ outcome: 'claim-lost' });
    expect(await documentCountOf(t, session, id)).toBe(0);
    expect(await store.complete(taker, 'on time', { at: new Date(), clientAddress: '203.0.113.9', userAgent: null })).toEqual({ outcome: 'counted', documentCount: 1, periodDocumentCount: 1 });
    expect(await store.complete(taker, 'again', { at: new Date(), clientAddress: '203.0.113.9', userAgent: null })).toEqual({ outcome: 'claim-lost' });
    expect(await documentCountOf(t, session, id)).toBe(1);
    // the late one's release cannot free the key the other one completed
    await store.release(slow);
    expect(await claim(slow, now)).toMatchObject({ outcome: 'completed', document: { content: 'on time', documentCount: 1 } });
  });

  it('costs nothing on a request without a key, and one transaction on one with a key', async () => {
    const { secret } = await newToken();
    const statementsOf = async (key: string | undefined) => {
      const before = t.sql.length;
      expect((await render(t, secret, key)).errors).toBeUndefined();
      return t.sql.slice(before);
    };
    const plain = await statementsOf(undefined);
    // the token lookup, then one transaction: the period's usage, the count and the hour's usage
    expect(plain).toHaveLength(4);
    expect(plain.join('\n')).not.toContain('IdempotencyKey');
    const keyed = await statementsOf(randomUUID());
    // lookup, claim, prune, then one transaction: the same three, and the document stored under the claim
    expect(keyed).toHaveLength(7);
  });

  it('the result is stored in the transaction that counts: when storing fails, the count is rolled back too', async () => {
    // armed just before the render: sign-up and token generation run transactions too (their audit events)
    let failNext = false;
    const failing = await createTestApp({}, {
      wrapSqlDriver: (driver: SqlDriver): SqlDriver => ({
        rows: (statement, params) => driver.rows(statement, params),
        onAuditCommitted: (listener) => driver.onAuditCommitted(listener),
        transaction(steps) {
          if (!failNext) return driver.transaction(steps);
          failNext = false;
          // the last step, after the count, fails as a crash would stop it
          const last = steps.at(-1)!;
          return driver.transaction([...steps.slice(0, -1), { ...last, statement: { name: 'broken_store', text: 'UPDATE "NoSuchTable" SET "x" = 1' } }]);
        },
      }),
    });
    try {
      const { session, id, secret } = await newToken(failing);
      const key = randomUUID();
      failNext = true;
      const crashed: GraphQLResponse = await render(failing, secret, key);
      expect(codes(crashed)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(await documentCountOf(failing, session, id)).toBe(0);
      // nothing was kept, so the retry renders and counts exactly once
      const retried = await render(failing, secret, key);
      expect(retried.data.renderDocument).toMatchObject({ documentCount: 1, replayed: false });
      expect((await render(failing, secret, key)).data.renderDocument).toMatchObject({ documentCount: 1, replayed: true });
      expect(await documentCountOf(failing, session, id)).toBe(1);
    } finally {
      await failing.close();
    }
  });
});
