// What a production server tells a stranger about itself through its errors: every request error
// has a code, nothing of the request body is echoed back, and with introspection off no error
// suggests the names of fields or types.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, limitsFromEnv } from '../src/config.js';
import { codes, createTestApp, type TestApp } from './support/test-app.js';

let production: TestApp;
let development: TestApp;
const limits = limitsFromEnv({});

beforeAll(async () => {
  const productionConfig = configFromEnv({ NODE_ENV: 'production' });
  production = await createTestApp({ introspection: productionConfig.introspection, graphiql: productionConfig.graphiql });
  development = await createTestApp({ introspection: true });
});
afterAll(async () => {
  await production?.close();
  await development?.close();
});

const postRaw = (t: TestApp, body: string) =>
  t.app.yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('with introspection off (production)', () => {
  it('no validation error suggests a field name', async () => {
    const result = await production.gql('{ tokns { id } }');
    expect(codes(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(result.errors![0]!.message).toBe('Cannot query field "tokns" on type "Query".');
    expect(JSON.stringify(result.errors)).not.toMatch(/did you mean/i);
  });

  it('no error suggests a selection or an argument of the schema', async () => {
    const result = await production.gql('{ token }');
    expect(JSON.stringify(result.errors)).not.toMatch(/did you mean/i);
    expect(codes(result)?.every((code) => code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
  });

  it('suggestions stay where the schema is public anyway (introspection on)', async () => {
    const result = await development.gql('{ tokns { id } }');
    expect(result.errors![0]!.message).toMatch(/Did you mean "tokens"/);
  });
});

describe('request errors (every environment)', () => {
  it('an invalid JSON body is 400 BAD_REQUEST and nothing of the body comes back', async () => {
    const response = await postRaw(production, '{"query": "{ plans { id } }", "secret-looking-body": pgd_');
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(text).not.toContain('originalError');
    expect(text).not.toContain('pgd_');
    expect(text).not.toContain('secret-looking-body');
  });

  it('too many aliases is GRAPHQL_VALIDATION_FAILED', async () => {
    const aliases = Array.from({ length: limits.maxAliases + 1 }, (_, i) => `a${i}: plans { id }`).join(' ');
    const result = await production.gql(`{ ${aliases} }`);
    expect(codes(result)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(result.errors![0]!.message).toBe(`Aliases limit of ${limits.maxAliases} exceeded, found ${limits.maxAliases + 1}.`);
  });

  it('too many directives is GRAPHQL_VALIDATION_FAILED', async () => {
    const directives = Array.from({ length: limits.maxDirectives + 1 }, () => '@skip(if: false)').join(' ');
    const result = await production.gql(`{ plans ${directives} { id } }`);
    expect(result.errors!.length).toBeGreaterThan(0);
    expect(result.errors!.every((error) => error.extensions?.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
    expect(result.errors!.map((error) => error.message)).toContain(`Directives limit of ${limits.maxDirectives} exceeded, found ${limits.maxDirectives + 1}.`);
  });

  it('a variable that does not fit its enum is BAD_USER_INPUT', async () => {
    const result = await production.gql('query($status: TokenStatus) { tokens(status: $status) { id } }', { status: 'NOPE' });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.status).toBe(400);
  });

  it('a variable of the wrong scalar type is BAD_USER_INPUT', async () => {
    const result = await production.gql('query($id: ID!) { token(id: $id) { id } }', { id: { not: 'an id' } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('an unexpected error in a subscription', () => {
  it('is masked as INTERNAL_SERVER_ERROR when its first read fails: nothing of the database reaches the client', async () => {
    const broken = await createTestApp();
    try {
      const { session } = await broken.signUp();
      // a real fault: the live counts' first read (the active tokens) finds no table
      await broken.app.database.prisma.$executeRawUnsafe('ALTER TABLE "ApiToken" RENAME TO "ApiTokenAway"');
      const response = await broken.app.yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${session}` },
        body: JSON.stringify({ query: 'subscription { documentCount { tokenId documentCount } }' }),
      });
      const text = await response.text();
      const data = /^data: (.*)$/m.exec(text)?.[1];
      const body = JSON.parse(data ?? '{}') as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
      expect(body.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
      expect(text).not.toMatch(/ApiToken|no such table|SQLITE/i);
    } finally {
      await broken.close();
    }
  });
});
