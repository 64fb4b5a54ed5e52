// The SDK against a real server: each way a token can be refused by its lifecycle or its
// restrictions arrives as its own typed error, with the API's code and status, and none of them
// is retried (the same request would be refused again).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PogodocClient,
  PogodocError,
  PogodocIpNotAllowedError,
  PogodocTokenError,
  PogodocTokenExpiredError,
  PogodocTokenLimitError,
  PogodocTokenRolledError,
} from '../../sdk/src/index.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

let offsetMs = 0;
let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp({}, { clock: () => new Date(Date.now() + offsetMs) });
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t?.close());

const client = (token: string) => new PogodocClient({ token, baseUrl: url, envFile: '/nonexistent/.env', minRetryDelayMs: 1, maxRetryDelayMs: 2 });
const input = { template: 'Invoice for {{ customer }}', data: { customer: 'Ada' } };

async function refusal(token: string): Promise<PogodocError> {
  const error = await client(token).renderDocument(input).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (!(error instanceof PogodocError)) throw new Error(`expected a PogodocError, got ${String(error)}`);
  return error;
}

async function generate(session: string, variables: Record<string, unknown> = {}) {
  const result = await t.gql(
    'mutation($in: TokenExpiry) { generateToken(name: "sdk", expiresIn: $in) { secret token { id } } }',
    variables,
    bearer(session),
  );
  return { id: result.data.generateToken.token.id as string, secret: result.data.generateToken.secret as string };
}

describe('the SDK surfaces every lifecycle and restriction refusal as a typed error', () => {
  it('API_TOKEN_EXPIRED: PogodocTokenExpiredError, 401, not retried', async () => {
    const { session } = await t.signUp();
    const { secret } = await generate(session, { in: 'DAYS_7' });
    offsetMs = 7 * 24 * 3600 * 1000;
    const error = await refusal(secret);
    offsetMs = 0;
    expect(error).toBeInstanceOf(PogodocTokenExpiredError);
    expect(error).toBeInstanceOf(PogodocTokenError);
    expect(error).toMatchObject({ code: 'API_TOKEN_EXPIRED', status: 401, retryable: false, attempts: 1 });
  });

  it('API_TOKEN_ROLLED: PogodocTokenRolledError, 401, not retried', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await generate(session);
    await t.gql('mutation($id: ID!) { rollToken(id: $id, gracePeriod: NONE) { secret } }', { id }, bearer(session));
    const error = await refusal(secret);
    expect(error).toBeInstanceOf(PogodocTokenRolledError);
    expect(error).toMatchObject({ code: 'API_TOKEN_ROLLED', status: 401, retryable: false, attempts: 1 });
  });

  it('API_TOKEN_IP_NOT_ALLOWED: PogodocIpNotAllowedError, 403, not retried', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await generate(session);
    // the SDK connects from 127.0.0.1, outside this list
    await t.gql('mutation($id: ID!) { updateToken(id: $id, allowedIps: ["203.0.113.0/24"]) { id } }', { id }, bearer(session));
    const error = await refusal(secret);
    expect(error).toBeInstanceOf(PogodocIpNotAllowedError);
    expect(error).toBeInstanceOf(PogodocTokenError);
    expect(error).toMatchObject({ code: 'API_TOKEN_IP_NOT_ALLOWED', status: 403, retryable: false, attempts: 1 });
    await t.gql('mutation($id: ID!) { updateToken(id: $id, allowedIps: ["127.0.0.0/8"]) { id } }', { id }, bearer(session));
    expect((await client(secret).renderDocument(input)).documentCount).toBe(1);
  });

  it('TOKEN_LIMIT_EXCEEDED: PogodocTokenLimitError with resetsAt, 429, and not retried despite the 429', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await generate(session);
    await t.gql('mutation($id: ID!) { updateToken(id: $id, monthlyDocumentLimit: 1) { id } }', { id }, bearer(session));
    expect((await client(secret).renderDocument(input)).documentCount).toBe(1);
    const error = await refusal(secret);
    expect(error).toBeInstanceOf(PogodocTokenLimitError);
    expect(error).toMatchObject({ code: 'TOKEN_LIMIT_EXCEEDED', status: 429, retryable: false, attempts: 1 });
    const now = new Date();
    expect((error as PogodocTokenLimitError).resetsAt).toEqual(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)));
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
  });
});
