// Scoped management tokens: with Authorization: Bearer <token>, an API token calls exactly the
// operations its scopes allow, in its own account. The matrix below has a row for every root field
// of the schema (a test fails when a field has no row), and each row is tried with a session, a
// token holding only the scope the row needs, a token holding every scope but that one, a document
// token, another account's token with every scope, and no credential.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { holdsScope, TOKEN_SCOPE_NAMES, type TokenScope } from '../src/domain/token-scopes.js';
import { ROLE_SCOPES, TEAM_ROLE_NAMES, type TeamRole } from '../src/domain/teams.js';
import { bearer, codes, createTestApp, type GraphQLResponse, type TestApp } from './support/test-app.js';

let t: TestApp;

const GENERATE = 'mutation($name: String!, $scopes: [TokenScope!]) { generateToken(name: $name, scopes: $scopes) { secret token { id scopes } } }';

/** Who calls, and with what: the cells of one row. */
interface Callers {
  session: string;
  /** Account A's tokens: each holds one scope only. */
  only: Record<TokenScope, string>;
  /** Account B's tokens: each holds every scope but one. */
  allBut: Record<TokenScope, string>;
  /** Account B's token with every scope: a foreign caller. */
  foreign: string;
  /** Ids in account A that the rows act on. */
  ids: { token: string; endpoint: string };
  /** Headers that make the rows' own targets where the ids are (the team, for the role matrix). */
  headers: Record<string, string>;
}

/** A root field, what it needs, and a call of it that succeeds for a caller that may make it. */
interface Row {
  field: string;
  needs: TokenScope | 'session' | 'anyone';
  /** `mayAct`: the caller is one the row expects to succeed, so a target it uses up is made fresh. */
  call(c: Callers, mayAct: boolean): Promise<{ query: string; variables?: Record<string, unknown> }>;
  /** What a caller that may call the field gets: no error unless the row says which. */
  allowed?: string[];
  /**
   * For a session-only field: what each role gets in a team (not a personal one), where it differs
   * from `allowed`; a role not named gets TEAM_ROLE_INSUFFICIENT.
   */
  inTeam?: Partial<Record<TeamRole, string[]>>;
  /** A field about the person, not the team: the team header changes nothing, a team one is not in included. */
  personal?: true;
}

let callers: Callers;
let counter = 0;
const fresh = (prefix: string) => `${prefix}${++counter}`;

async function generate(credential: string, name: string, scopes?: TokenScope[], headers: Record<string, string> = {}): Promise<{ secret: string; id: string }> {
  const result = await t.gql(GENERATE, { name, scopes }, { ...bearer(credential), ...headers });
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return { secret: result.data.generateToken.secret, id: result.data.generateToken.token.id };
}

async function createEndpoint(session: string, headers: Record<string, string> = {}): Promise<string> {
  const result = await t.gql('mutation { createWebhookEndpoint(url: "https://127.0.0.1:9/hooks", events: ["token.created"]) { endpoint { id } } }', {}, { ...bearer(session), ...headers });
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.createWebhookEndpoint.endpoint.id;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const EVERY_ROLE: Record<TeamRole, string[]> = { OWNER: [], ADMIN: [], DEVELOPER: [], VIEWER: [] };
const RUN = randomUUID();
const ROWS: Row[] = [
  { field: 'Query.viewer', needs: 'anyone', call: async () => ({ query: '{ viewer { id } }' }) },
  { field: 'Query.plans', needs: 'anyone', call: async () => ({ query: '{ plans { id } }' }) },
  { field: 'Query.tokenRules', needs: 'anyone', call: async () => ({ query: '{ tokenRules { maxActiveTokens } }' }) },
  { field: 'Query.tokens', needs: 'TOKENS_READ', call: async () => ({ query: '{ tokens { id scopes } }' }) },
  { field: 'Query.token', needs: 'TOKENS_READ', call: async (c) => ({ query: 'query($id: ID!) { token(id: $id) { id } }', variables: { id: c.ids.token } }) },
  { field: 'Query.tokenConnection', needs: 'TOKENS_READ', call: async () => ({ query: '{ tokenConnection(first: 3) { edges { node { id } } } }' }) },
  {
    field: 'Query.usage',
    needs: 'USAGE_READ',
    call: async () => ({
      query: 'query($from: DateTime!, $to: DateTime!) { usage(from: $from, to: $to, granularity: DAY) { documentCount } }',
      variables: { from: new Date(Date.now() - DAY_MS).toISOString(), to: new Date().toISOString() },
    }),
  },
  { field: 'Query.requestConnection', needs: 'USAGE_READ', call: async () => ({ query: '{ requestConnection(first: 3) { edges { node { id outcome } } } }' }) },
  {
    field: 'Query.requestSummary',
    needs: 'USAGE_READ',
    call: async () => ({
      query: 'query($from: DateTime!, $to: DateTime!) { requestSummary(from: $from, to: $to, granularity: HOUR) { okCount refusedCount } }',
      variables: { from: new Date(Date.now() - DAY_MS).toISOString(), to: new Date().toISOString() },
    }),
  },
  { field: 'Query.auditEventConnection', needs: 'AUDIT_READ', call: async () => ({ query: '{ auditEventConnection(first: 3) { edges { node { id } } } }' }) },
  { field: 'Query.auditEvents', needs: 'AUDIT_READ', call: async () => ({ query: '{ auditEvents(first: 3) { pageInfo { hasNextPage } } }' }) },
  { field: 'Query.webhookEndpoints', needs: 'WEBHOOKS_WRITE', call: async () => ({ query: '{ webhookEndpoints { id } }' }) },
  // reaching the resolver is what is checked: these answer their own errors to anyone
  { field: 'Mutation.signUp', needs: 'anyone', allowed: ['EMAIL_INVALID'], call: async () => ({ query: 'mutation { signUp(email: "not an address", password: "long enough password") { sessionToken } }' }) },
  // an address of this run's own: failed sign-ins are limited per address, in the Redis every run shares
  {
    field: 'Mutation.signIn',
    needs: 'anyone',
    allowed: ['INVALID_CREDENTIALS'],
    call: async () => ({ query: 'mutation($email: String!) { signIn(email: $email, password: "long enough password") { sessionToken } }', variables: { email: `nobody-${RUN}@example.com` } }),
  },
  { field: 'Mutation.renderDocument', needs: 'DOCUMENTS_RENDER', call: async () => ({ query: 'mutation { renderDocument(template: "Hi {{ n }}", data: { n: 1 }) { content } }' }) },
  { field: 'Mutation.choosePlan', needs: 'session', inTeam: { OWNER: [] }, call: async () => ({ query: 'mutation { choosePlan(planId: "pro") { id } }' }) },
  { field: 'Mutation.generateToken', needs: 'TOKENS_WRITE', call: async () => ({ query: GENERATE, variables: { name: fresh('gen '), scopes: ['TOKENS_WRITE'] } }) },
  {
    field: 'Mutation.updateToken',
    needs: 'TOKENS_WRITE',
    call: async (c) => ({ query: 'mutation($id: ID!, $name: String!) { updateToken(id: $id, name: $name) { id } }', variables: { id: c.ids.token, name: fresh('renamed ') } }),
  },
  {
    field: 'Mutation.rollToken',
    needs: 'TOKENS_WRITE',
    call: async (c) => ({ query: 'mutation($id: ID!) { rollToken(id: $id, gracePeriod: NONE) { secret } }', variables: { id: c.ids.token } }),
  },
  { field: 'Mutation.endGracePeriod', needs: 'TOKENS_WRITE', allowed: ['TOKEN_NO_GRACE_PERIOD'], call: async (c) => ({ query: 'mutation($id: ID!) { endGracePeriod(id: $id) { id } }', variables: { id: c.ids.token } }) },
  // disabled, then enabled again: the rows after these find the target token working
  { field: 'Mutation.disableToken', needs: 'TOKENS_WRITE', call: async (c) => ({ query: 'mutation($id: ID!) { disableToken(id: $id) { id } }', variables: { id: c.ids.token } }) },
  { field: 'Mutation.enableToken', needs: 'TOKENS_WRITE', call: async (c) => ({ query: 'mutation($id: ID!) { enableToken(id: $id) { id } }', variables: { id: c.ids.token } }) },
  {
    field: 'Mutation.changeTokenExpiry',
    needs: 'TOKENS_WRITE',
    call: async (c) => ({ query: 'mutation($id: ID!, $at: DateTime) { changeTokenExpiry(id: $id, expiresAt: $at) { id } }', variables: { id: c.ids.token, at: new Date(Date.now() + 20 * DAY_MS).toISOString() } }),
  },
  {
    field: 'Mutation.deleteToken',
    needs: 'TOKENS_WRITE',
    call: async (c, mayAct) => ({
      query: 'mutation($id: ID!) { deleteToken(id: $id) { id } }',
      variables: { id: mayAct ? (await generate(c.session, fresh('doomed '), ['TOKENS_WRITE'], c.headers)).id : c.ids.token },
    }),
  },
  {
    field: 'Mutation.createWebhookEndpoint',
    needs: 'WEBHOOKS_WRITE',
    call: async () => ({ query: 'mutation { createWebhookEndpoint(url: "https://127.0.0.1:9/hooks", events: ["token.created"]) { endpoint { id } } }' }),
  },
  {
    field: 'Mutation.rotateWebhookSecret',
    needs: 'WEBHOOKS_WRITE',
    call: async (c) => ({ query: 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', variables: { id: c.ids.endpoint } }),
  },
  {
    field: 'Mutation.deleteWebhookEndpoint',
    needs: 'WEBHOOKS_WRITE',
    call: async (c, mayAct) => ({ query: 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', variables: { id: mayAct ? await createEndpoint(c.session, c.headers) : c.ids.endpoint } }),
  },
  {
    field: 'Mutation.disableWebhookEndpoint',
    needs: 'WEBHOOKS_WRITE',
    call: async (c, mayAct) => ({ query: 'mutation($id: ID!) { disableWebhookEndpoint(id: $id) { id } }', variables: { id: mayAct ? await createEndpoint(c.session, c.headers) : c.ids.endpoint } }),
  },
  {
    field: 'Mutation.enableWebhookEndpoint',
    needs: 'WEBHOOKS_WRITE',
    call: async (c) => ({ query: 'mutation($id: ID!) { enableWebhookEndpoint(id: $id) { id } }', variables: { id: c.ids.endpoint } }),
  },
  {
    field: 'Mutation.sendTestWebhook',
    needs: 'WEBHOOKS_WRITE',
    call: async (c, mayAct) => ({ query: 'mutation($id: ID!) { sendTestWebhook(id: $id) { id } }', variables: { id: mayAct ? await createEndpoint(c.session, c.headers) : c.ids.endpoint } }),
  },
  {
    field: 'Mutation.retryWebhookMessage',
    needs: 'WEBHOOKS_WRITE',
    allowed: ['WEBHOOK_NOT_FOUND'],
    call: async () => ({ query: 'mutation { retryWebhookMessage(id: "msg_none") }' }),
  },
  // the team's people: sessions only (teams.test.ts tries every role on them); in a personal team
  // the membership changes are refused by the team's own rules, which is past the authorisation checked here
  { field: 'Query.me', needs: 'session', personal: true, call: async () => ({ query: '{ me { id } }' }) },
  { field: 'Query.teams', needs: 'session', personal: true, call: async () => ({ query: '{ teams { role } }' }) },
  { field: 'Query.teamRole', needs: 'session', inTeam: EVERY_ROLE, call: async () => ({ query: '{ teamRole }' }) },
  { field: 'Query.teamMembers', needs: 'session', inTeam: EVERY_ROLE, call: async () => ({ query: '{ teamMembers { userId } }' }) },
  { field: 'Query.teamInvitations', needs: 'session', inTeam: EVERY_ROLE, call: async () => ({ query: '{ teamInvitations { id } }' }) },
  { field: 'Mutation.createTeam', needs: 'session', personal: true, call: async () => ({ query: 'mutation($name: String!) { createTeam(name: $name) { id } }', variables: { name: fresh('team ') } }) },
  { field: 'Mutation.inviteMember', needs: 'session', allowed: ['TEAM_PERSONAL'], inTeam: { OWNER: [], ADMIN: [] }, call: async () => ({ query: 'mutation { inviteMember(email: "a@example.com", role: VIEWER) { secret } }' }) },
  { field: 'Mutation.revokeInvitation', needs: 'session', allowed: ['INVITATION_NOT_FOUND'], inTeam: { OWNER: ['INVITATION_NOT_FOUND'], ADMIN: ['INVITATION_NOT_FOUND'] }, call: async () => ({ query: 'mutation { revokeInvitation(id: "inv_none") }' }) },
  { field: 'Mutation.acceptInvitation', needs: 'session', allowed: ['INVITATION_NOT_FOUND'], personal: true, call: async () => ({ query: 'mutation { acceptInvitation(secret: "pgi_none") { role } }' }) },
  { field: 'Mutation.changeMemberRole', needs: 'session', allowed: ['TEAM_PERSONAL'], inTeam: { OWNER: ['MEMBER_NOT_FOUND'], ADMIN: ['MEMBER_NOT_FOUND'] }, call: async (c) => ({ query: 'mutation($id: ID!) { changeMemberRole(userId: $id, role: VIEWER) { role } }', variables: { id: c.ids.token } }) },
  { field: 'Mutation.removeMember', needs: 'session', allowed: ['TEAM_PERSONAL'], inTeam: { OWNER: ['MEMBER_NOT_FOUND'], ADMIN: ['MEMBER_NOT_FOUND'] }, call: async (c) => ({ query: 'mutation($id: ID!) { removeMember(userId: $id) }', variables: { id: c.ids.token } }) },
  { field: 'Mutation.leaveTeam', needs: 'session', allowed: ['TEAM_NOT_FOUND'], personal: true, call: async () => ({ query: 'mutation { leaveTeam(teamId: "team_none") }' }) },
  { field: 'Mutation.deleteTeam', needs: 'session', allowed: ['TEAM_PERSONAL'], inTeam: { OWNER: ['TEAM_NAME_INVALID'] }, call: async () => ({ query: 'mutation { deleteTeam(name: "anything") }' }) },
  { field: 'Mutation.requireTwoFactor', needs: 'session', allowed: ['TEAM_PERSONAL'], inTeam: { OWNER: ['TWO_FACTOR_NOT_ENABLED'] }, call: async () => ({ query: 'mutation { requireTwoFactor(required: true) { id } }' }) },
  // the person's address and mail: sessions only, whichever team (mail.test.ts tries each for real)
  { field: 'Query.notificationPreferences', needs: 'session', personal: true, call: async () => ({ query: '{ notificationPreferences { kind enabled } }' }) },
  { field: 'Mutation.setNotificationPreference', needs: 'session', personal: true, call: async () => ({ query: 'mutation { setNotificationPreference(kind: QUOTA_WARNING, enabled: true) { kind } }' }) },
  { field: 'Mutation.sendVerificationEmail', needs: 'session', personal: true, allowed: ['EMAIL_ALREADY_VERIFIED'], call: async () => ({ query: 'mutation { sendVerificationEmail }' }) },
  { field: 'Mutation.changeEmail', needs: 'session', personal: true, allowed: ['EMAIL_INVALID'], call: async () => ({ query: 'mutation { changeEmail(email: "not an address", password: "long enough password") { id } }' }) },
  { field: 'Mutation.verifyEmail', needs: 'anyone', personal: true, allowed: ['EMAIL_LINK_INVALID'], call: async () => ({ query: 'mutation { verifyEmail(token: "pgl_none") }' }) },
  { field: 'Mutation.resetPassword', needs: 'anyone', personal: true, allowed: ['EMAIL_LINK_INVALID'], call: async () => ({ query: 'mutation { resetPassword(token: "pgl_none", password: "long enough password") }' }) },
  { field: 'Mutation.requestPasswordReset', needs: 'anyone', personal: true, call: async () => ({ query: 'mutation($email: String!) { requestPasswordReset(email: $email) }', variables: { email: `nobody-${RUN}@example.com` } }) },
  // last: it ends nothing another row needs (a token's signOut is false, and ends no session)
  { field: 'Mutation.signOut', needs: 'anyone', call: async () => ({ query: 'mutation { signOut }' }) },
];
// A session's own operations that end what other rows use are tried on their own accounts below.
// (sessions.test.ts: the list of sessions and revoking; two-factor.test.ts: enrolment; subscriptions.test.ts and audit-live.test.ts: the subscriptions)
const SESSION_ONLY_ELSEWHERE = ['Mutation.cancelPlan', 'Subscription.documentCount', 'Subscription.auditEvents', 'Subscription.requestLogged', 'Query.sessions', 'Mutation.revokeSession', 'Mutation.revokeOtherSessions', 'Mutation.startTwoFactorEnrolment', 'Mutation.confirmTwoFactor', 'Mutation.disableTwoFactor'];

// Fields for any API token, whatever its scopes (token-info.test.ts tries each kind of caller)
const ANY_TOKEN_ELSEWHERE = ['Query.tokenInfo'];

beforeAll(async () => {
  t = await createTestApp({ webhookAllowPrivateUrls: true, webhookPollMs: 0, limits: { ...limitsFromEnv({}), tokenMutationsPerAccountPerMinute: 1000 } });
  const a = await t.signUp({ plan: 'pro' });
  const b = await t.signUp({ plan: 'pro' });
  const only = {} as Record<TokenScope, string>;
  const allBut = {} as Record<TokenScope, string>;
  for (const scope of TOKEN_SCOPE_NAMES) {
    only[scope] = (await generate(a.session, `only ${scope}`.slice(0, 20), [scope])).secret;
    allBut[scope] = (await generate(b.session, `all but ${scope}`.slice(0, 20), TOKEN_SCOPE_NAMES.filter((other) => other !== scope))).secret;
  }
  const foreign = (await generate(b.session, 'foreign', TOKEN_SCOPE_NAMES)).secret;
  const target = await generate(a.session, 'target', ['TOKENS_WRITE']);
  callers = { session: a.session, only, allBut, foreign, ids: { token: target.id, endpoint: await createEndpoint(a.session) }, headers: {} };
});
afterAll(async () => {
  await t?.close();
});

async function run(row: Row, credential: string | undefined, mayAct = false): Promise<GraphQLResponse> {
  const { query, variables } = await row.call(callers, mayAct);
  return t.gql(query, variables ?? {}, credential ? bearer(credential) : {});
}

function expectAllowed(row: Row, result: GraphQLResponse, who: string) {
  expect(codes(result) ?? [], `${row.field} for ${who}: ${JSON.stringify(result.errors)}`).toEqual(row.allowed ?? []);
}

describe('every root field × every kind of caller', () => {
  it('the matrix has a row for every root field of the schema', () => {
    const schema = buildSchema(readFileSync('schema.graphql', 'utf8'));
    const fields = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
      Object.keys(type!.getFields()).map((name) => `${type!.name}.${name}`),
    );
    expect([...ROWS.map((row) => row.field), ...SESSION_ONLY_ELSEWHERE, ...ANY_TOKEN_ELSEWHERE].sort()).toEqual(fields.sort());
  });

  it("a foreign token's lists hold none of the other account's tokens, endpoints or events", async () => {
    const mine = await t.gql('{ tokens { id } webhookEndpoints { id } auditEventConnection(first: 50) { edges { node { token { id } } } } }', {}, bearer(callers.session));
    const theirs = await t.gql('{ tokens { id } webhookEndpoints { id } auditEventConnection(first: 50) { edges { node { token { id } } } } }', {}, bearer(callers.foreign));
    const ids = (answer: GraphQLResponse) => new Set<string>([
      ...answer.data.tokens.map((token: { id: string }) => token.id),
      ...answer.data.webhookEndpoints.map((endpoint: { id: string }) => endpoint.id),
      ...answer.data.auditEventConnection.edges.flatMap((edge: { node: { token: { id: string } | null } }) => (edge.node.token ? [edge.node.token.id] : [])),
    ]);
    const own = ids(mine);
    expect(own.size).toBeGreaterThan(5);
    for (const id of ids(theirs)) expect(own.has(id)).toBe(false);
  });

  for (const row of ROWS) {
    it(`${row.field} (${row.needs})`, async () => {
      // a session: everything but renderDocument, which takes an API token
      const bySession = await run(row, callers.session, true);
      if (row.needs === 'DOCUMENTS_RENDER') expect(codes(bySession)).toEqual(['API_TOKEN_MALFORMED']);
      else expectAllowed(row, bySession, 'a session');

      if (row.needs === 'anyone') {
        expectAllowed(row, await run(row, callers.only.TOKENS_READ), 'a token');
        expectAllowed(row, await run(row, undefined), 'no credential');
        return;
      }
      // no credential
      const anonymous = await run(row, undefined);
      expect(codes(anonymous)).toEqual([row.needs === 'DOCUMENTS_RENDER' ? 'API_TOKEN_MISSING' : 'UNAUTHENTICATED']);

      if (row.needs === 'session') {
        // no scope is enough: every token, even one with all of them, is refused
        const byToken = await run(row, callers.foreign);
        expect(codes(byToken)).toEqual(['SESSION_REQUIRED']);
        return;
      }
      // the one scope it needs is enough
      expectAllowed(row, await run(row, callers.only[row.needs], true), `a token with only ${row.needs}`);
      // every other scope is not: 403, naming the scope, and nothing done
      const refused = await run(row, callers.allBut[row.needs]);
      expect(codes(refused)).toEqual(['API_TOKEN_SCOPE_MISSING']);
      expect(refused.status).toBe(403);
      expect(refused.errors![0]!.extensions!.scope).toBe(row.needs);
      expect(refused.errors![0]!.message).toContain(row.needs);
      expect(refused.data ?? null).toBeNull();
      // a token of another account with every scope gets through, to its own account only
      const foreign = await run(row, callers.foreign);
      if (['Query.token', 'Mutation.updateToken', 'Mutation.rollToken', 'Mutation.deleteToken', 'Mutation.disableToken', 'Mutation.enableToken', 'Mutation.endGracePeriod', 'Mutation.changeTokenExpiry'].includes(row.field)) {
        expect(codes(foreign)).toEqual(['TOKEN_NOT_FOUND']);
      } else if (['Mutation.rotateWebhookSecret', 'Mutation.deleteWebhookEndpoint', 'Mutation.disableWebhookEndpoint', 'Mutation.enableWebhookEndpoint', 'Mutation.sendTestWebhook'].includes(row.field)) {
        expect(codes(foreign)).toEqual(['WEBHOOK_NOT_FOUND']);
      } else {
        expectAllowed(row, foreign, 'a foreign token');
      }
    });
  }

});

describe('no escalation', () => {
  it('a token gives only scopes it holds, and changes or rolls only tokens whose scopes it holds', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const writer = await generate(session, 'writer', ['TOKENS_WRITE', 'TOKENS_READ']);
    const broad = await generate(session, 'broad', ['TOKENS_WRITE', 'WEBHOOKS_WRITE']);
    // minting a broader token
    const minted = await t.gql(GENERATE, { name: 'sneaky', scopes: ['TOKENS_WRITE', 'WEBHOOKS_WRITE'] }, bearer(writer.secret));
    expect(codes(minted)).toEqual(['API_TOKEN_SCOPE_MISSING']);
    expect(minted.errors![0]!.extensions!.scope).toBe('WEBHOOKS_WRITE');
    expect(minted.status).toBe(403);
    // a document token by default: DOCUMENTS_RENDER is a scope the writer does not hold either
    expect(codes(await t.gql(GENERATE, { name: 'default' }, bearer(writer.secret)))).toEqual(['API_TOKEN_SCOPE_MISSING']);
    // widening itself
    const widened = await t.gql('mutation($id: ID!) { updateToken(id: $id, scopes: [TOKENS_WRITE, TOKENS_READ, AUDIT_READ]) { id } }', { id: writer.id }, bearer(writer.secret));
    expect(codes(widened)).toEqual(['API_TOKEN_SCOPE_MISSING']);
    // rolling or changing a broader token would hand out its power
    expect(codes(await t.gql('mutation($id: ID!) { rollToken(id: $id, gracePeriod: NONE) { secret } }', { id: broad.id }, bearer(writer.secret)))).toEqual(['API_TOKEN_SCOPE_MISSING']);
    expect(codes(await t.gql('mutation($id: ID!) { updateToken(id: $id, name: "mine now") { id } }', { id: broad.id }, bearer(writer.secret)))).toEqual(['API_TOKEN_SCOPE_MISSING']);
    // nor take it down
    expect(codes(await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: broad.id }, bearer(writer.secret)))).toEqual(['API_TOKEN_SCOPE_MISSING']);
    // nothing of it happened
    const after = await t.gql('{ tokens { name scopes } }', {}, bearer(session));
    expect(after.data.tokens.map((token: { name: string }) => token.name).sort()).toEqual(['broad', 'writer']);
    expect(after.data.tokens.find((token: { name: string }) => token.name === 'writer').scopes).toEqual(['TOKENS_READ', 'TOKENS_WRITE']);
    // within its own scopes it may: a narrower token, and narrowing itself
    const narrower = await t.gql(GENERATE, { name: 'reader', scopes: ['TOKENS_READ'] }, bearer(writer.secret));
    expect(narrower.data.generateToken.token.scopes).toEqual(['TOKENS_READ']);
    const narrowed = await t.gql('mutation($id: ID!) { updateToken(id: $id, scopes: [TOKENS_WRITE]) { scopes } }', { id: writer.id }, bearer(writer.secret));
    expect(narrowed.data.updateToken.scopes).toEqual(['TOKENS_WRITE']);
  });

  it('a session gives any scopes; an empty set is refused; a management token makes no document', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const empty = await t.gql(GENERATE, { name: 'none', scopes: [] }, bearer(session));
    expect(codes(empty)).toEqual(['TOKEN_SCOPES_INVALID']);
    const manager = await generate(session, 'manager', TOKEN_SCOPE_NAMES.filter((scope) => scope !== 'DOCUMENTS_RENDER'));
    const document = await t.renderDocument(manager.secret);
    expect(codes(document)).toEqual(['API_TOKEN_SCOPE_MISSING']);
    expect(document.status).toBe(403);
    const listed = await t.gql('{ tokens { name documentCount } }', {}, bearer(session));
    expect(listed.data.tokens).toEqual([{ name: 'manager', documentCount: 0 }]);
    // a token made before scopes, or without choosing, makes documents and nothing else
    const plain = await t.generateToken(session, 'plain');
    expect((await t.renderDocument(plain.secret)).errors).toBeUndefined();
    expect(codes(await t.gql('{ tokens { id } }', {}, bearer(plain.secret)))).toEqual(['API_TOKEN_SCOPE_MISSING']);
  });
});

describe('no escalation through restrictions', () => {
  const UPDATE = 'mutation($id: ID!, $ips: [String!], $limit: Int) { updateToken(id: $id, allowedIps: $ips, monthlyDocumentLimit: $limit) { id } }';
  const DAY_MS = 24 * 60 * 60 * 1000;

  it("a token makes tokens with its own expiry, allowlist and monthly limit, never looser, and cannot loosen or take over a looser one", async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const writer = await t.gql(
      'mutation { generateToken(name: "ci writer", scopes: [TOKENS_WRITE, TOKENS_READ, DOCUMENTS_RENDER], expiresIn: DAYS_7) { secret token { id expiresAt } } }',
      {},
      bearer(session),
    );
    const { secret, token } = writer.data.generateToken;
    // the test app's requests come from one address: the allowlist is that address's /64
    const own = await t.gql('{ tokens { id lastUsedAddress } }', {}, bearer(session));
    expect(own.errors).toBeUndefined();
    expect((await t.gql(UPDATE, { id: token.id, ips: ['2001:db8::/32'], limit: 100 }, bearer(session))).errors).toBeUndefined();

    // a new token inherits all three
    const child = await t.gql('mutation { generateToken(name: "child", scopes: [DOCUMENTS_RENDER]) { token { id expiresAt allowedIps monthlyDocumentLimit } } }', {}, bearer(secret));
    expect(child.errors).toBeUndefined();
    expect(child.data.generateToken.token).toMatchObject({ expiresAt: token.expiresAt, allowedIps: ['2001:db8::/32'], monthlyDocumentLimit: 100 });
    // one that would outlive it is refused
    const outliving = await t.gql(
      'mutation($at: DateTime!) { generateToken(name: "outliving", scopes: [DOCUMENTS_RENDER], expiresAt: $at) { secret } }',
      { at: new Date(Date.now() + 30 * DAY_MS).toISOString() },
      bearer(secret),
    );
    expect(codes(outliving)).toEqual(['API_TOKEN_RESTRICTED']);
    expect(outliving.status).toBe(403);
    // nor can it loosen a restriction, on itself or another token
    expect(codes(await t.gql(UPDATE, { id: token.id, ips: null }, bearer(secret)))).toEqual(['API_TOKEN_RESTRICTED']);
    expect(codes(await t.gql(UPDATE, { id: child.data.generateToken.token.id, limit: 10_000 }, bearer(secret)))).toEqual(['API_TOKEN_RESTRICTED']);
    // and a looser token of the account (no expiry, no allowlist) is out of its reach
    const loose = await t.gql('mutation { generateToken(name: "loose", scopes: [DOCUMENTS_RENDER]) { token { id } } }', {}, bearer(session));
    const looseId = loose.data.generateToken.token.id;
    expect(codes(await t.gql('mutation($id: ID!) { rollToken(id: $id, gracePeriod: NONE) { secret } }', { id: looseId }, bearer(secret)))).toEqual(['API_TOKEN_RESTRICTED']);
    expect(codes(await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: looseId }, bearer(secret)))).toEqual(['API_TOKEN_RESTRICTED']);
    // the tokens it made itself are within its reach
    expect((await t.gql('mutation($id: ID!) { rollToken(id: $id, gracePeriod: NONE) { secret } }', { id: child.data.generateToken.token.id }, bearer(secret))).errors).toBeUndefined();
  });
});

describe('a management token is an API token', () => {
  it('its revocation, expiry and IP allowlist refuse management calls as they refuse documents; 401 with a Bearer challenge', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const reader = await generate(session, 'reader', ['TOKENS_READ']);
    expect((await t.gql('{ tokens { id } }', {}, bearer(reader.secret))).errors).toBeUndefined();
    const restricted = await t.gql('mutation($id: ID!) { updateToken(id: $id, allowedIps: ["203.0.113.0/24"]) { id } }', { id: reader.id }, bearer(session));
    expect(restricted.errors).toBeUndefined();
    const outside = await t.gql('{ tokens { id } }', {}, bearer(reader.secret));
    expect(codes(outside)).toEqual(['API_TOKEN_IP_NOT_ALLOWED']);
    expect(outside.status).toBe(403);
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: reader.id }, bearer(session));
    const deleted = await t.gql('{ tokens { id } }', {}, bearer(reader.secret));
    expect(codes(deleted)).toEqual(['API_TOKEN_DELETED']);
    expect(deleted.status).toBe(401);
    expect(deleted.headers.get('www-authenticate')).toMatch(/^Bearer realm="pogodoc", error="invalid_token"/);
  });

  it('the audit log names the token that acted, with its address', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const writer = await generate(session, 'writer', ['TOKENS_WRITE']);
    const made = await generate(writer.secret, 'made by script', ['TOKENS_WRITE']);
    const log = await t.gql(
      '{ auditEventConnection(first: 10, types: [TOKEN_GENERATED]) { edges { node { actorType actorId clientAddress details token { id } } } } }',
      {},
      bearer(session),
    );
    const event = log.data.auditEventConnection.edges.map((edge: { node: unknown }) => edge.node).find((node: { token: { id: string } }) => node.token.id === made.id);
    expect(event).toMatchObject({ actorType: 'API_TOKEN', actorId: writer.id });
    // the test app's requests come from one documentation address of its own (support/test-app.ts),
    // stored in its canonical form: a group's leading zeros are dropped
    expect(event.clientAddress).toMatch(/^2001:db8:[0-9a-f]{1,4}:[0-9a-f]{1,4}::1$/);
    expect(JSON.parse(event.details)).toMatchObject({ name: 'made by script', scopes: 'TOKENS_WRITE' });
  });
});

describe('session-only operations refuse every token', () => {
  it('cancelPlan: SESSION_REQUIRED for a token with every scope; a session may', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const all = await generate(session, 'all', TOKEN_SCOPE_NAMES);
    expect(codes(await t.gql('mutation { cancelPlan { id } }', {}, bearer(all.secret)))).toEqual(['SESSION_REQUIRED']);
    expect((await t.gql('mutation { cancelPlan { id } }', {}, bearer(session))).errors).toBeUndefined();
  });
});

/**
 * The role half: every root field, tried by a member of each role in a team (a real one, not a
 * personal team), and by a person who is not in it. A scope's field works for a role whose scopes
 * hold it (domain/teams.ts, ROLE_SCOPES) and is TEAM_ROLE_INSUFFICIENT (403, naming the least role)
 * for the others; a session-only field as its row says; nothing of the team for an outsider.
 */
describe('every root field × every role in a team, and a person outside it', () => {
  const members = {} as Record<TeamRole, string>;
  let outsider: string;
  let team: Callers;
  let teamHeader: Record<string, string>;

  beforeAll(async () => {
    const owner = await t.signUp({ plan: '' });
    const created = await t.gql('mutation { createTeam(name: "Matrix") { id } }', {}, bearer(owner.session));
    teamHeader = { 'pogodoc-team': created.data.createTeam.id };
    expect((await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, { ...bearer(owner.session), ...teamHeader })).errors).toBeUndefined();
    members.OWNER = owner.session;
    for (const role of TEAM_ROLE_NAMES.filter((name) => name !== 'OWNER')) {
      const person = await t.signUp({ plan: '' });
      const invited = await t.gql('mutation($e: String!, $r: TeamRole!) { inviteMember(email: $e, role: $r) { secret } }', { e: person.email, r: role }, { ...bearer(owner.session), ...teamHeader });
      const joined = await t.gql('mutation($s: String!) { acceptInvitation(secret: $s) { role } }', { s: invited.data.inviteMember.secret }, bearer(person.session));
      expect(joined.data.acceptInvitation.role).toBe(role);
      members[role] = person.session;
    }
    outsider = (await t.signUp({ plan: 'pro' })).session;
    const target = await generate(owner.session, 'team target', ['TOKENS_WRITE'], teamHeader);
    team = { ...callers, session: owner.session, ids: { token: target.id, endpoint: await createEndpoint(owner.session, teamHeader) }, headers: teamHeader };
  });

  /** What `role` gets from the row in the team. */
  const expected = (row: Row, role: TeamRole): string[] => {
    if (row.needs === 'anyone' || row.personal) return row.allowed ?? [];
    if (row.needs === 'DOCUMENTS_RENDER') return ['API_TOKEN_MALFORMED']; // a session is no API token
    if (row.needs === 'session') return row.inTeam?.[role] ?? ['TEAM_ROLE_INSUFFICIENT'];
    return holdsScope(ROLE_SCOPES[role], row.needs) ? (row.allowed ?? []) : ['TEAM_ROLE_INSUFFICIENT'];
  };

  // signing out would end the member's session for the rows after it (its own suite tries it)
  for (const row of ROWS.filter((candidate) => candidate.field !== 'Mutation.signOut')) {
    it(`${row.field} (${row.needs})`, async () => {
      for (const role of TEAM_ROLE_NAMES) {
        const wanted = expected(row, role);
        const { query, variables } = await row.call({ ...team, session: members[role] }, wanted.length === 0);
        const result = await t.gql(query, variables ?? {}, { ...bearer(members[role]), ...teamHeader });
        expect(codes(result) ?? [], `${row.field} as ${role}: ${JSON.stringify(result.errors)}`).toEqual(wanted);
        if (wanted[0] === 'TEAM_ROLE_INSUFFICIENT') {
          expect(result.status).toBe(403);
          expect(result.data ?? null).toBeNull();
        }
      }
      // a person outside the team: a team field is TEAM_NOT_FOUND, as for a team that does not exist
      const { query, variables } = await row.call({ ...team, session: outsider }, false);
      const result = await t.gql(query, variables ?? {}, { ...bearer(outsider), ...teamHeader });
      const teamFree = row.personal || row.field === 'Query.plans' || row.field === 'Query.tokenRules' || row.field === 'Mutation.signUp' || row.field === 'Mutation.signIn';
      if (row.needs === 'DOCUMENTS_RENDER') expect(codes(result)).toEqual(['API_TOKEN_MALFORMED']);
      else if (teamFree) expect(codes(result) ?? []).toEqual(row.allowed ?? []);
      else expect(codes(result), `${row.field} as an outsider`).toEqual(['TEAM_NOT_FOUND']);
    });
  }
});
