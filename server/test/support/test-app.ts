// A real app on a real, fresh database per test file: a SQLite file, or a PostgreSQL database
// when TEST_DATABASE=postgresql. Most tests call yoga.fetch and start no server; the
// subscription tests start it on port 0 and speak graphql-ws to it.
import { randomBytes } from 'node:crypto';
import { buildApp, type App, type AppOptions } from '../../src/app.js';
import { configFromEnv, limitsFromEnv, type AppConfig } from '../../src/config.js';
import { observeSql } from './observe-sql.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }> | undefined;
}

export interface TestApp {
  app: App;
  database: TestDatabase;
  /** Every SQL statement the app sent, in order. */
  sql: string[];
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /**
   * Signs up a fresh account, optionally on a plan, and verifies its address with the link its
   * sign-up wrote to the outbox (unless verified: false); returns its session token and id.
   */
  signUp(options?: { plan?: string | null; email?: string; verified?: boolean }): Promise<{ session: string; accountId: string; email: string }>;
  generateToken(session: string, name?: string): Promise<{ id: string; secret: string }>;
  renderDocument(secret: string | undefined, template?: string, data?: unknown): Promise<GraphQLResponse>;
  close(): Promise<void>;
}

let emailCounter = 0;

/** One GraphQL request to an app through yoga.fetch (no server started). */
export async function appGql<T = any>(
  app: App,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await app.yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GraphQLResponse['errors'] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function createTestApp(overrides: Partial<AppConfig> = {}, options: AppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  // Each test app is its own client address, so that rate-limit counters (shared through Redis
  // in the PostgreSQL project) never mix between test files. The limits count an IPv6 /64 as one
  // address, so the random part is the /64 prefix.
  const clientAddress = `2001:db8:${randomBytes(4).toString('hex').replace(/(....)(....)/, '$1:$2')}::1`;
  const sql: string[] = [];
  const app = await buildApp(
    {
      ...configFromEnv({}),
      databaseUrl: database.url,
      redisUrl: process.env.TEST_REDIS_URL,
      logging: false,
      trustProxy: 1,
      // no delivery poll: its statement, once a second, would land in the window of a test that
      // counts a request's statements (t.sql); the webhook suites run delivery themselves
      webhookPollMs: 0,
      // the same for mail: a suite that reads its mail delivers it (mail.test.ts)
      mailPollMs: 0,
      // bursts of a thousand documents a second on one token are what the counting suites make; a
      // suite about the rate limit sets its own limits
      limits: { ...limitsFromEnv({}), documentsPerTokenPerSecond: 1_000_000 },
      // and for the request log: a suite that reads it flushes it (app.services.requestLog.flush())
      requestLogFlushMs: 0,
      ...overrides,
    },
    { ...observeSql((statement) => sql.push(statement)), ...options },
  );

  const gql: TestApp['gql'] = (query, variables = {}, headers = {}) =>
    appGql(app, query, variables, { 'x-forwarded-for': clientAddress, ...headers });

  const testApp: TestApp = {
    app,
    database,
    sql,
    gql,
    async signUp({ plan = 'free', email, verified = true } = {}) {
      const address = email ?? `user${process.pid}-${++emailCounter}-${Date.now()}@example.com`;
      const signUp = await gql(
        'mutation($email: String!, $password: String!) { signUp(email: $email, password: $password) { sessionToken account { id } } }',
        { email: address, password: 'correct horse battery' },
      );
      if (!signUp.data) throw new Error(`signUp failed: ${JSON.stringify(signUp.errors)}`);
      const session = signUp.data.signUp.sessionToken as string;
      if (verified) await verifyAddress(app, address.trim().toLowerCase(), gql);
      if (plan) {
        const chosen = await gql('mutation($plan: ID!) { choosePlan(planId: $plan) { id } }', { plan }, bearer(session));
        if (!chosen.data) throw new Error(`choosePlan failed: ${JSON.stringify(chosen.errors)}`);
      }
      return { session, accountId: signUp.data.signUp.account.id, email: address };
    },
    async generateToken(session, name = 'ci') {
      const result = await gql(
        'mutation($name: String!) { generateToken(name: $name) { secret token { id } } }',
        { name },
        bearer(session),
      );
      if (!result.data) throw new Error(`generateToken failed: ${JSON.stringify(result.errors)}`);
      return { id: result.data.generateToken.token.id, secret: result.data.generateToken.secret };
    },
    renderDocument(secret, template = 'Invoice for {{ customer }}', data = { customer: 'Ada' }) {
      return gql(
        'mutation($template: String!, $data: JSON!) { renderDocument(template: $template, data: $data) { content tokenId documentCount } }',
        { template, data },
        secret === undefined ? {} : bearer(secret),
      );
    },
    async close() {
      await app.stop();
      await database.drop();
    },
  };
  return testApp;
}

/** The secret of the newest link of a kind sent to an address, read from the outbox as the mail would carry it. */
export async function linkSentTo(app: App, address: string, kind: 'VERIFY_EMAIL' | 'PASSWORD_RESET' | 'TEAM_INVITATION'): Promise<string | undefined> {
  const rows = await app.database.sql.rows<{ payload: string }>(
    { name: 'test_link_sent_to', text: `SELECT "payload" FROM "MailMessage" WHERE "toAddress" = $1 AND "kind" = $2 ORDER BY "createdAt" DESC, "id" DESC LIMIT 1` },
    [address, kind],
  );
  return rows[0] ? (JSON.parse(rows[0].payload) as { secret?: string }).secret : undefined;
}

/** Follows the verification link the sign-up sent, as the person would. */
export async function verifyAddress(app: App, address: string, gql: (query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse>): Promise<void> {
  const token = await linkSentTo(app, address, 'VERIFY_EMAIL');
  if (!token) throw new Error(`no verification link was sent to ${address}`);
  const verified = await gql('mutation($token: String!) { verifyEmail(token: $token) }', { token });
  if (!verified.data?.verifyEmail) throw new Error(`verifyEmail failed: ${JSON.stringify(verified.errors)}`);
}

/** The extensions.code of each error, for compact assertions. */
export const codes = (response: GraphQLResponse) => response.errors?.map((error) => error.extensions?.code);
