// The leak endpoint, as GitHub's secret scanning partner program calls it: a signed report of
// tokens found in public, answered true_positive / false_positive per token; a true positive is
// revoked, recorded once, and shown on the token.
import { createHash, generateKeyPairSync, sign, type KeyPairKeyObjectResult } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../server/src/domain/secrets.js';
import { captureLog, LEVEL } from './support/log-lines.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { postReport, scannerKey, serveKeyList, sha256Hex, signedReport, type KeyListServer, type ScannerKey } from './support/secret-scanner.js';

let t: TestApp;
let baseUrl: string;
let keys: KeyListServer;
let key: ScannerKey;
const scannerAddress = '203.0.113.77';
const log = captureLog();

/** A key pair of another algorithm, listed beside the scanner's own as a careless or hostile list would. */
function foreignKey(pair: KeyPairKeyObjectResult): ScannerKey {
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { id: createHash('sha256').update(publicPem).digest('hex'), privateKey: pair.privateKey, publicPem };
}
const rsaKey = foreignKey(generateKeyPairSync('rsa', { modulusLength: 2048 }));
const ed25519Key = foreignKey(generateKeyPairSync('ed25519'));
const p384Key = foreignKey(generateKeyPairSync('ec', { namedCurve: 'P-384' }));

beforeAll(async () => {
  key = scannerKey();
  keys = await serveKeyList([key, rsaKey, ed25519Key, p384Key]);
  t = await createTestApp({ secretScanningKeysUrl: keys.url, logging: 'warn' }, { logDestination: log.destination });
  baseUrl = await t.app.start(0, '127.0.0.1');
});

afterAll(async () => {
  await t?.close();
  await keys?.close();
});

const leakEvents = (tokenId: string) => t.app.database.prisma.auditEvent.findMany({ where: { tokenId, type: 'TOKEN_LEAKED' } });
const report = (matches: Parameters<typeof signedReport>[0], signer = key, keyId?: string) =>
  postReport(baseUrl, signedReport(matches, signer, keyId), { 'x-forwarded-for': scannerAddress });

describe('a leaked token reported by a secret scanner', () => {
  it('is answered true_positive by its hash, deleted before the answer, and recorded with where it was found', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'leaky');
    expect(codes(await t.renderDocument(token.secret))).toBeUndefined();

    const started = performance.now();
    const answer = await report([{ token: token.secret, url: 'https://github.com/acme/app/blob/abc/.env', source: 'commit' }]);
    const answered = performance.now() - started;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([{ token_hash: sha256Hex(token.secret), token_type: 'pogodoc_api_token', label: 'true_positive' }]);
    // the answer never carries the secret itself
    expect(JSON.stringify(answer.body)).not.toContain(token.secret);
    // revoked when the answer arrives: the next request with it is refused
    expect(codes(await t.renderDocument(token.secret))).toEqual(['API_TOKEN_DELETED']);
    console.log(`leak report answered, token revoked, in ${answered.toFixed(1)} ms (${t.database.provider})`);

    const row = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(row.deletedAt).not.toBeNull();
    expect(row.activeSlot).toBeNull();
    const [event, ...more] = await leakEvents(token.id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ type: 'TOKEN_LEAKED', actorType: 'SCANNER', actorId: key.id, clientAddress: scannerAddress, userAgent: 'GitHub-Secret-Scanning-Test/1.0' });
    expect(JSON.parse(event!.details!)).toEqual({ url: 'https://github.com/acme/app/blob/abc/.env', source: 'commit', type: 'pogodoc_api_token' });

    // the dashboard sees the leak on the token (its banner) and in the Deleted tab
    const listed = await t.gql('{ tokens(status: DELETED) { id leak { url source reportedAt } } }', {}, bearer(session));
    expect(listed.data.tokens).toEqual([{ id: token.id, leak: { url: 'https://github.com/acme/app/blob/abc/.env', source: 'commit', reportedAt: event!.createdAt.toISOString() } }]);
  });

  it('is harmless to replay: the same answer, one revocation, one event', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'replayed');
    const signed = signedReport([{ token: token.secret }], key);
    const first = await postReport(baseUrl, signed);
    const deletedAt = (await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).deletedAt;
    const replays = await Promise.all([postReport(baseUrl, signed), postReport(baseUrl, signed), postReport(baseUrl, signed)]);
    for (const replay of replays) expect(replay).toEqual(first);
    expect(first.body[0].label).toBe('true_positive');
    expect((await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).deletedAt).toEqual(deletedAt);
    expect(await leakEvents(token.id)).toHaveLength(1);
  });

  it('a token the owner deleted earlier is still a true positive, and its leak is recorded', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'old');
    await t.gql(`mutation { deleteToken(id: "${token.id}") { id } }`, {}, bearer(session));
    const deletedAt = (await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).deletedAt;
    expect((await report([{ token: token.secret }])).body[0].label).toBe('true_positive');
    expect((await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).deletedAt).toEqual(deletedAt);
    expect(await leakEvents(token.id)).toHaveLength(1);
  });

  it('a leaked previous secret of a roll stops at once, and the current secret keeps working', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'rolled');
    const rolled = await t.gql(`mutation { rollToken(id: "${token.id}", gracePeriod: ONE_DAY) { secret } }`, {}, bearer(session));
    const current = rolled.data.rollToken.secret as string;
    expect(codes(await t.renderDocument(token.secret))).toBeUndefined();
    expect((await report([{ token: token.secret }])).body[0].label).toBe('true_positive');
    expect(codes(await t.renderDocument(token.secret))).toEqual(['API_TOKEN_ROLLED']);
    expect(codes(await t.renderDocument(current))).toBeUndefined();
    expect(await leakEvents(token.id)).toHaveLength(1);
  });

  it('a second secret of the same token leaking is recorded too, and the token shows the newest leak', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'leaked twice');
    const rolled = await t.gql(`mutation { rollToken(id: "${token.id}", gracePeriod: ONE_DAY) { secret } }`, {}, bearer(session));
    const current = rolled.data.rollToken.secret as string;
    await report([{ token: token.secret, url: 'https://github.com/acme/app/blob/1/.env' }]);
    expect((await report([{ token: current, url: 'https://github.com/acme/app/blob/2/.env' }])).body[0].label).toBe('true_positive');
    expect(codes(await t.renderDocument(current))).toEqual(['API_TOKEN_DELETED']);
    const events = await leakEvents(token.id);
    expect(events.map((event) => JSON.parse(event.details!).url).sort()).toEqual(['https://github.com/acme/app/blob/1/.env', 'https://github.com/acme/app/blob/2/.env']);
    // a replay of the second report still adds nothing
    await report([{ token: current, url: 'https://github.com/acme/app/blob/2/.env' }]);
    expect(await leakEvents(token.id)).toHaveLength(2);
    const listed = await t.gql('{ tokens(status: DELETED) { id leak { url } } }', {}, bearer(session));
    expect(listed.data.tokens).toEqual([{ id: token.id, leak: { url: 'https://github.com/acme/app/blob/2/.env' } }]);
  });

  it('keeps where the leak was found only when it is an https: URL, since the dashboard links it', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const first = await t.generateToken(session, 'scripted');
    const second = await t.generateToken(session, 'plain http');
    await report([{ token: first.secret, url: 'javascript:alert(document.cookie)' }, { token: second.secret, url: 'http://example.com/leak' }]);
    for (const token of [first, second]) expect(JSON.parse((await leakEvents(token.id))[0]!.details!).url).toBe('');
    const listed = await t.gql('{ tokens(status: DELETED) { id leak { url } } }', {}, bearer(session));
    expect(listed.data.tokens.map((token: { leak: { url: string } }) => token.leak.url)).toEqual(['', '']);
  });

  it('a well-formed token that was never issued, and a string that is not ours, are false positives and nothing is written', async () => {
    const before = await t.app.database.prisma.auditEvent.count();
    const neverIssued = generateSecret('apiToken');
    const answer = await report([{ token: neverIssued }, { token: 'pgd_notAToken' }, { token: generateSecret('session') }]);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([
      { token_hash: sha256Hex(neverIssued), token_type: 'pogodoc_api_token', label: 'false_positive' },
      { token_hash: sha256Hex('pgd_notAToken'), token_type: 'pogodoc_api_token', label: 'false_positive' },
      { token_hash: expect.any(String), token_type: 'pogodoc_api_token', label: 'false_positive' },
    ]);
    expect(await t.app.database.prisma.auditEvent.count()).toBe(before);
  });

  it('one report with several matches answers each, in order', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const a = await t.generateToken(session, 'a');
    const b = await t.generateToken(session, 'b');
    const answer = await report([{ token: a.secret }, { token: generateSecret('apiToken') }, { token: b.secret, type: 'other_type' }]);
    expect(answer.body.map((verdict: { label: string; token_type: string }) => [verdict.token_type, verdict.label])).toEqual([
      ['pogodoc_api_token', 'true_positive'],
      ['pogodoc_api_token', 'false_positive'],
      ['other_type', 'true_positive'],
    ]);
  });
});

describe('reports that are not signed by the scanner are refused, and change nothing', () => {
  it('a missing, forged, tampered or unknown-key signature is a 401 SECRET_SCANNING_SIGNATURE_INVALID', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'target');
    const signed = signedReport([{ token: token.secret }], key);
    const attacker = scannerKey();
    const attempts = [
      { ...signed, headers: { 'content-type': 'application/json' } },
      // signed by another key, claiming the scanner's key id
      signedReport([{ token: token.secret }], attacker, key.id),
      // the scanner's signature over another body
      { ...signed, body: signed.body.replace('content', 'commit') },
      // a key id the scanner never published
      signedReport([{ token: token.secret }], attacker),
      { ...signed, headers: { ...signed.headers, 'github-public-key-signature': 'bm90IGEgc2lnbmF0dXJl' } },
    ];
    for (const attempt of attempts) {
      const answer = await postReport(baseUrl, attempt);
      expect(answer.status).toBe(401);
      expect(answer.body.errors[0].extensions.code).toBe('SECRET_SCANNING_SIGNATURE_INVALID');
    }
    expect(codes(await t.renderDocument(token.secret))).toBeUndefined();
    expect(await leakEvents(token.id)).toEqual([]);
  });

  it('only ECDSA P-256 verifies: RSA, Ed25519 and P-384 keys or signatures, and malformed signatures, are a clean 401 with no error logged', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'other algorithms');
    const body = JSON.stringify([{ token: token.secret, type: 'pogodoc_api_token', url: '', source: 'content' }]);
    const signedWith = (keyId: string, signature: string) => ({
      body,
      headers: { 'content-type': 'application/json', 'github-public-key-identifier': keyId, 'github-public-key-signature': signature },
    });
    const base64 = (bytes: Buffer) => bytes.toString('base64');
    const attempts = {
      // a valid RSA PKCS#1 v1.5 SHA-256 signature by a listed RSA key
      'RSA key and signature': signedWith(rsaKey.id, base64(sign('sha256', Buffer.from(body), rsaKey.privateKey))),
      // a valid Ed25519 signature by a listed Ed25519 key
      'Ed25519 key and signature': signedWith(ed25519Key.id, base64(sign(null, Buffer.from(body), ed25519Key.privateKey))),
      // an Ed25519 key named with no real signature at all
      'Ed25519 key, unsigned': signedWith(ed25519Key.id, 'bm90IGEgc2lnbmF0dXJl'),
      'P-384 key and signature': signedWith(p384Key.id, base64(sign('sha384', Buffer.from(body), p384Key.privateKey))),
      'Ed25519 signature for the P-256 key': signedWith(key.id, base64(sign(null, Buffer.from(body), ed25519Key.privateKey))),
      'RSA signature for the P-256 key': signedWith(key.id, base64(sign('sha256', Buffer.from(body), rsaKey.privateKey))),
      // the right key, the signature in IEEE P1363 (r||s) rather than the DER the scanner sends
      'P1363 signature for the P-256 key': signedWith(key.id, base64(sign('sha256', Buffer.from(body), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }))),
      'not base64': signedWith(key.id, '%%%not*base64%%%'),
      'empty after decoding': signedWith(ed25519Key.id, '===='),
    };
    const errorsBefore = log.lines().filter((line) => line.level >= LEVEL.error).length;
    for (const [name, attempt] of Object.entries(attempts)) {
      const answer = await postReport(baseUrl, attempt);
      expect({ name, status: answer.status, code: answer.body?.errors?.[0]?.extensions?.code }).toEqual({ name, status: 401, code: 'SECRET_SCANNING_SIGNATURE_INVALID' });
    }
    expect(log.lines().filter((line) => line.level >= LEVEL.error).slice(errorsBefore)).toEqual([]);
    expect(codes(await t.renderDocument(token.secret))).toBeUndefined();
    expect(await leakEvents(token.id)).toEqual([]);
    // the P-256 key listed beside them still works
    expect((await report([{ token: token.secret }])).body[0].label).toBe('true_positive');
  });

  it('a signed body that is not a report is a 400 SECRET_SCANNING_REPORT_INVALID', async () => {
    for (const body of ['{"token":"x"}', 'not json', '[{"type":"x"}]']) {
      const signature = sign('sha256', Buffer.from(body), key.privateKey).toString('base64');
      const answer = await postReport(baseUrl, {
        body,
        headers: { 'content-type': 'application/json', 'github-public-key-identifier': key.id, 'github-public-key-signature': signature },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].extensions.code).toBe('SECRET_SCANNING_REPORT_INVALID');
    }
  });

  it('the key list is fetched once and cached, not per report', async () => {
    const before = keys.fetches();
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'cached');
    for (let i = 0; i < 3; i++) expect((await report([{ token: token.secret }])).status).toBe(200);
    expect(keys.fetches()).toBe(before);
    expect(before).toBeGreaterThanOrEqual(1);
  });
});
