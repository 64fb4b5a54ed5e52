// Property-based and fuzz tests (fast-check): every generated input gets a defined answer,
// no request yields a 500, and the server stays up. The number of cases is printed at the end.
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { DomainError } from '../src/domain/errors.js';
import { generateSecret } from '../src/domain/secrets.js';
import { normalizeTokenName, TOKEN_NAME_MAX_LENGTH } from '../src/domain/token-rules.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
let url: string;
let session: string;
let cases = 0;
const runs = (numRuns: number) => {
  cases += numRuns;
  return { numRuns };
};

beforeAll(async () => {
  // limits high enough that the fuzzing itself is not rate limited
  t = await createTestApp({
    limits: { ...limitsFromEnv({}), apiTokenFailuresPerIpPerMinute: 1_000_000, documentsPerTokenPerMinute: 1_000_000, signInFailuresPerIp: 1_000_000, tokenMutationsPerAccountPerMinute: 1_000_000 },
  });
  url = await t.app.start(0, '127.0.0.1');
  ({ session } = await t.signUp({ plan: 'business' }));
});
afterAll(async () => {
  console.log(`fuzz: ${cases} generated cases`);
  await t.close();
});

const NAME_CODES = new Set(['TOKEN_NAME_REQUIRED', 'TOKEN_NAME_TOO_LONG', 'TOKEN_NAME_INVALID']);
const tricky = fc.constantFrom('\u200B', '\u200D', '\u202E', '\u2066', '\u0000', '\u001B', '\u00AD', '\uFEFF', '👨‍👩‍👧', '🔑', 'ﷺ', 'א', '\u0301', ' ', '\t', '\n', '\uD800');
const nameArbitrary = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.array(fc.oneof(tricky, fc.string({ unit: 'grapheme-ascii', maxLength: 3 })), { maxLength: 25 }).map((parts) => parts.join('')),
);

describe('token names', () => {
  it('the rule: a name is accepted exactly when it is 1-20 code points after NFC and trimming, without control or format characters outside emoji', () => {
    fc.assert(
      fc.property(nameArbitrary, (raw) => {
        let name: string | undefined;
        try {
          name = normalizeTokenName(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
          expect(NAME_CODES.has((error as DomainError).code)).toBe(true);
          return;
        }
        const length = [...name].length;
        expect(length).toBeGreaterThanOrEqual(1);
        expect(length).toBeLessThanOrEqual(TOKEN_NAME_MAX_LENGTH);
        expect(name).toBe(name.trim());
        expect(/[\p{Cc}\p{Cf}]/u.test(name.replace(new RegExp('\\p{RGI_Emoji}', 'gv'), ''))).toBe(false);
      }),
      runs(5000),
    );
  });

  it('20 code points pass and 21 fail, whatever the characters', () => {
    const codePoint = fc.constantFrom('a', 'é', '🔑', 'א', '中', '𝄞');
    fc.assert(
      fc.property(fc.array(codePoint, { minLength: 21, maxLength: 21 }), (points) => {
        expect([...normalizeTokenName(`x${points.slice(0, 19).join('')}`)].length).toBe(20);
        expect(() => normalizeTokenName(`x${points.join('')}`)).toThrow(/at most 20 characters/);
      }),
      runs(500),
    );
  });

  it('through the API: every name is either created as normalised or refused with a name code', async () => {
    await fc.assert(
      fc.asyncProperty(nameArbitrary, async (raw) => {
        const result = await t.gql('mutation($n: String!) { generateToken(name: $n) { token { id name } } }', { n: raw }, bearer(session));
        expect(result.status).toBe(200);
        if (result.data?.generateToken) {
          expect(result.data.generateToken.token.name).toBe(normalizeTokenName(raw));
          await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: result.data.generateToken.token.id }, bearer(session));
        } else {
          expect(NAME_CODES.has(codes(result)![0]!) || codes(result)![0] === 'BAD_USER_INPUT').toBe(true);
        }
      }),
      runs(300),
    );
  });
});

describe('tokens and sessions', () => {
  const API_TOKEN_CODES = new Set(['API_TOKEN_MISSING', 'API_TOKEN_MALFORMED', 'API_TOKEN_INVALID']);

  it('any Bearer string that is not a live token gets a 401 with an API token code', async () => {
    const real = generateSecret('apiToken');
    const mutated = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.integer({ min: 1, max: real.length - 1 }).map((cut) => real.slice(0, cut)),
      fc.tuple(fc.integer({ min: 4, max: real.length - 1 }), fc.constantFrom(...'0aZ9_-')).map(([at, ch]) => real.slice(0, at) + ch + real.slice(at + 1)),
      fc.constantFrom('ghp_', 'pgs_', 'PGD_', 'pgd-').map((prefix) => prefix + real.slice(4)),
      fc.constant(null).map(() => generateSecret('apiToken')), // valid shape, never issued
    );
    await fc.assert(
      fc.asyncProperty(mutated, async (candidate) => {
        const headers: Record<string, string> = candidate.trim() === '' ? {} : { authorization: `Bearer ${candidate}` };
        const result = await t.gql('mutation { renderDocument(template: "x", data: {}) { content } }', {}, headers);
        expect(result.status).toBe(401);
        expect(API_TOKEN_CODES.has(codes(result)![0]!)).toBe(true);
      }),
      runs(400),
    );
  });

  it('any session-like string is refused without a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 60 }), fc.constant(null).map(() => generateSecret('session'))), async (candidate) => {
        const result = await t.gql('{ tokens { id } }', {}, { cookie: `pogodoc_session=${encodeURIComponent(candidate)}` });
        expect(result.status).toBe(200);
        expect(['UNAUTHENTICATED', 'SESSION_EXPIRED']).toContain(codes(result)![0]);
      }),
      runs(200),
    );
  });
});

describe('GraphQL documents, variables and bodies', () => {
  const post = (body: string, contentType = 'application/json') =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': contentType, 'x-forwarded-for': '192.0.2.7' }, body });

  it('random documents: never a 500', async () => {
    const fragments = fc.constantFrom('{', '}', '(', ')', 'query', 'mutation', 'subscription', 'tokens', 'plans', 'id', '...', 'on', '@include(if: true)', '$x', ':', '"', 'fragment', '__typename', ' ', '#');
    const documents = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fragments, { maxLength: 60 }).map((parts) => parts.join(' ')));
    await fc.assert(
      fc.asyncProperty(documents, async (query) => {
        const response = await post(JSON.stringify({ query }));
        expect(response.status).toBeLessThan(500);
        const body = await response.json();
        expect(body.errors ?? body.data).toBeDefined();
      }),
      runs(400),
    );
  });

  it('deep, wide and huge documents: a limit answers, never a 500', async () => {
    const shapes = fc.oneof(
      fc.integer({ min: 1, max: 3000 }).map((depth) => `{ ${'plans { '.repeat(depth)}id${' }'.repeat(depth)} }`),
      fc.integer({ min: 1, max: 5000 }).map((width) => `{ plans { ${'id '.repeat(width)}} }`),
      fc.integer({ min: 1, max: 300 }).map((count) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: plans { id }`).join(' ')} }`),
      fc.integer({ min: 1, max: 600_000 }).map((size) => `{ plans { id } } # ${'x'.repeat(size)}`),
    );
    await fc.assert(
      fc.asyncProperty(shapes, async (query) => {
        const response = await post(JSON.stringify({ query }));
        expect(response.status).toBeLessThan(500);
      }),
      runs(150),
    );
  });

  it('random variables for renderDocument: rendered, or refused with a data or template code', async () => {
    const { secret } = await t.generateToken(session, 'fuzz docs');
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.string({ maxLength: 80 }), async (data, template) => {
        const result = await t.renderDocument(secret, template, data);
        if (result.errors) {
          // a null for the non-null $data is refused before execution (400); the rest are ours
          expect(result.status === 200 || (result.status === 400 && data === null)).toBe(true);
          expect(['DATA_INVALID', 'DATA_TOO_LARGE', 'TEMPLATE_INVALID', 'RENDER_FAILED', 'BAD_USER_INPUT']).toContain(codes(result)![0]);
        } else {
          expect(result.status).toBe(200);
          expect(typeof result.data.renderDocument.content).toBe('string');
        }
      }),
      runs(300),
    );
  });

  it('malformed JSON and wrong content types: 4xx, never a 500', async () => {
    const contentTypes = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/graphql', '', 'application/json; charset=utf-16');
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), contentTypes, async (body, contentType) => {
        const response = await post(body, contentType);
        expect(response.status).toBeLessThan(500);
      }),
      runs(300),
    );
  });
});

describe('graphql-ws frames', () => {
  const frameArbitrary = fc.oneof(
    fc.string({ maxLength: 100 }),
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
    fc.record({
      type: fc.constantFrom('connection_init', 'subscribe', 'complete', 'ping', 'pong', 'next', 'error', 'bogus'),
      id: fc.option(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { nil: undefined }),
      payload: fc.option(fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ query: fc.constantFrom('subscription { documentCount { tokenId } }', '{ plans { id } }', '{', '') })), { nil: undefined }),
    }).map((frame) => JSON.stringify(frame)),
  );

  it('any sequence of frames gets protocol answers or a protocol close, and the server stays up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(frameArbitrary, { minLength: 1, maxLength: 6 }), async (initFirst, frames) => {
        const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
        const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
        socket.on('error', () => {});
        await new Promise((resolve) => socket.once('open', resolve));
        if (initFirst) socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${session}` } }));
        for (const frame of frames) if (socket.readyState === WebSocket.OPEN) socket.send(frame);
        await new Promise((resolve) => setTimeout(resolve, 20));
        socket.close(1000);
        const code = await closed;
        // normal closes, or the protocol's own codes; never 1011/4500 (a server error)
        expect([1000, 1005, 1006, 4400, 4401, 4403, 4408, 4409, 4429]).toContain(code);
      }),
      runs(300),
    );
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
