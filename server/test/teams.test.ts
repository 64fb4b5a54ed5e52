// Teams: a personal team at sign-up, teams with members and roles, invitations, removal that counts
// at the next request and ends live views, and the audit log naming the person. Every role is tried
// on what it may and may not do, in its own team and in a team it is not in.
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

let t: TestApp;
let url: string;
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

beforeAll(async () => {
  // every test signs up several people from the test app's one address
  t = await createTestApp({ limits: { ...limitsFromEnv({}), signUpsPerIpPerHour: 1000 } }, { clock });
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t?.close());

const ROLES = ['OWNER', 'ADMIN', 'DEVELOPER', 'VIEWER'] as const;
type Role = (typeof ROLES)[number];

/** A session's headers for working in `teamId`. */
const inTeam = (session: string, teamId: string) => ({ ...bearer(session), 'pogodoc-team': teamId });

async function createTeam(session: string, name = 'Frontend'): Promise<string> {
  const created = await t.gql('mutation($name: String!) { createTeam(name: $name) { id name personal } }', { name }, bearer(session));
  expect(created.errors).toBeUndefined();
  expect(created.data.createTeam).toMatchObject({ name, personal: false });
  const teamId = created.data.createTeam.id as string;
  const plan = await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, inTeam(session, teamId));
  expect(plan.errors).toBeUndefined();
  return teamId;
}

async function invite(session: string, teamId: string, email: string, role: Role) {
  return t.gql(
    'mutation($email: String!, $role: TeamRole!) { inviteMember(email: $email, role: $role) { secret invitation { id email role expiresAt } } }',
    { email, role },
    inTeam(session, teamId),
  );
}

const accept = (session: string, secret: string) =>
  t.gql('mutation($secret: String!) { acceptInvitation(secret: $secret) { role team { id } } }', { secret }, bearer(session));

/** A new person who joined `teamId` with `role` through an invitation from its owner. */
async function memberWith(ownerSession: string, teamId: string, role: Role) {
  const person = await t.signUp({ plan: '' });
  const invited = await invite(ownerSession, teamId, person.email, role);
  expect(invited.errors).toBeUndefined();
  const joined = await accept(person.session, invited.data.inviteMember.secret);
  expect(joined.errors).toBeUndefined();
  expect(joined.data.acceptInvitation).toEqual({ role, team: { id: teamId } });
  return person;
}

/** Resolves once an activity subscription hears the team: it is open, and nothing it should see can be missed. */
async function untilHearing(activity: { values: unknown[] }, ownerSession: string, teamId: string): Promise<void> {
  await expect
    .poll(async () => {
      await t.gql('mutation { generateToken(name: "ping") { token { id } } }', {}, inTeam(ownerSession, teamId));
      return activity.values.length;
    }, { timeout: 20_000, interval: 200 })
    .toBeGreaterThan(0);
}

describe('a personal team', () => {
  it('is made at sign-up: the person is its owner and only member, and it takes no invitations', async () => {
    const { session, accountId, email } = await t.signUp({ plan: 'pro' });
    const teams = await t.gql('{ teams { role team { id email name personal } } teamRole teamMembers { userId email role } }', {}, bearer(session));
    expect(teams.errors).toBeUndefined();
    expect(teams.data.teams).toEqual([{ role: 'OWNER', team: { id: accountId, email, name: null, personal: true } }]);
    expect(teams.data.teamRole).toBe('OWNER');
    expect(teams.data.teamMembers).toEqual([{ userId: accountId, email, role: 'OWNER' }]);
    expect(codes(await invite(session, accountId, 'someone@example.com', 'VIEWER'))).toEqual(['TEAM_PERSONAL']);
    // naming it explicitly is the same as naming none
    expect((await t.gql('{ viewer { id } }', {}, inTeam(session, accountId))).data.viewer.id).toBe(accountId);
  });
});

describe('a team', () => {
  let owner: Awaited<ReturnType<TestApp['signUp']>>;
  let teamId: string;
  const members = {} as Record<Role, { session: string; accountId: string; email: string }>;
  let teamToken: { id: string; secret: string };

  beforeAll(async () => {
    owner = await t.signUp({ plan: 'free' });
    teamId = await createTeam(owner.session);
    members.OWNER = owner;
    for (const role of ['ADMIN', 'DEVELOPER', 'VIEWER'] as const) members[role] = await memberWith(owner.session, teamId, role);
    const made = await t.gql('mutation { generateToken(name: "team", scopes: [DOCUMENTS_RENDER, TOKENS_READ]) { secret token { id } } }', {}, inTeam(owner.session, teamId));
    expect(made.errors).toBeUndefined();
    teamToken = { id: made.data.generateToken.token.id, secret: made.data.generateToken.secret };
  });

  it('owns its tokens, usage and plan apart from its members’ personal teams', async () => {
    const inTeamTokens = await t.gql('{ viewer { id name planActive } tokens { id } }', {}, inTeam(members.VIEWER.session, teamId));
    expect(inTeamTokens.data.viewer).toEqual({ id: teamId, name: 'Frontend', planActive: true });
    expect(inTeamTokens.data.tokens.map((token: { id: string }) => token.id)).toEqual([teamToken.id]);
    // without the header, the same person works in their personal team, which has no plan and no tokens
    const personal = await t.gql('{ viewer { id planActive } tokens { id } }', {}, bearer(members.VIEWER.session));
    expect(personal.data).toEqual({ viewer: { id: members.VIEWER.accountId, planActive: false }, tokens: [] });
    // the team's token makes the team's documents
    const rendered = await t.renderDocument(teamToken.secret);
    expect(rendered.data.renderDocument.tokenId).toBe(teamToken.id);
    const listed = await t.gql('{ teams { role team { id } } }', {}, bearer(members.DEVELOPER.session));
    expect(listed.data.teams.map((entry: { role: string; team: { id: string } }) => [entry.team.id, entry.role])).toEqual([
      [members.DEVELOPER.accountId, 'OWNER'],
      [teamId, 'DEVELOPER'],
    ]);
  });

  /**
   * Each operation, with whether each role may do it. A refusal is TEAM_ROLE_INSUFFICIENT with 403
   * and the least role that may; nothing is changed by a refused call.
   */
  const OPERATIONS: Array<{ name: string; least: Role; run: (headers: Record<string, string>) => ReturnType<TestApp['gql']> }> = [
    { name: 'read tokens', least: 'VIEWER', run: (headers) => t.gql('{ tokens { id name } }', {}, headers) },
    { name: 'read usage', least: 'VIEWER', run: (headers) => t.gql('{ usage(granularity: DAY, from: "2026-01-01T00:00:00Z", to: "2026-01-08T00:00:00Z") { documentCount } }', {}, headers) },
    { name: 'read activity', least: 'VIEWER', run: (headers) => t.gql('{ auditEventConnection(first: 5) { edges { node { id } } } }', {}, headers) },
    { name: 'read members', least: 'VIEWER', run: (headers) => t.gql('{ teamMembers { userId } }', {}, headers) },
    { name: 'generate a token', least: 'DEVELOPER', run: (headers) => t.gql('mutation { generateToken(name: "by role") { token { id } } }', {}, headers) },
    { name: 'list webhooks', least: 'ADMIN', run: (headers) => t.gql('{ webhookEndpoints { id } }', {}, headers) },
    { name: 'invite', least: 'ADMIN', run: (headers) => t.gql('mutation { inviteMember(email: "new@example.com", role: VIEWER) { invitation { id } } }', {}, headers) },
    { name: 'read invitations', least: 'VIEWER', run: (headers) => t.gql('{ teamInvitations { id } }', {}, headers) },
    { name: 'choose the plan', least: 'OWNER', run: (headers) => t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, headers) },
  ];
  const rank = (role: Role) => ROLES.length - 1 - ROLES.indexOf(role);

  for (const operation of OPERATIONS) {
    for (const role of ROLES) {
      const allowed = rank(role) >= rank(operation.least);
      it(`${role} ${allowed ? 'may' : 'may not'} ${operation.name}`, async () => {
        const response = await operation.run(inTeam(members[role].session, teamId));
        if (allowed) {
          expect(response.errors).toBeUndefined();
        } else {
          expect(codes(response)).toEqual(['TEAM_ROLE_INSUFFICIENT']);
          expect(response.errors![0]!.extensions!.role).toBe(operation.least);
          expect(response.status).toBe(403);
        }
      });
    }
    it(`nobody may ${operation.name} in a team they are not in, and it looks like no team at all`, async () => {
      const outsider = await t.signUp({ plan: 'pro' });
      for (const team of [teamId, 'team_does_not_exist']) {
        const response = await operation.run(inTeam(outsider.session, team));
        expect(codes(response)).toEqual(['TEAM_NOT_FOUND']);
        expect(response.data ?? null).toBeNull();
      }
    });
  }

  it('an API token works in its own team only', async () => {
    const other = await t.signUp({ plan: 'pro' });
    const response = await t.gql('{ tokens { id } }', {}, { ...bearer(teamToken.secret), 'pogodoc-team': other.accountId });
    expect(codes(response)).toEqual(['TEAM_NOT_FOUND']);
    const own = await t.gql('{ tokens { id } }', {}, { ...bearer(teamToken.secret), 'pogodoc-team': teamId });
    expect(own.errors).toBeUndefined();
  });

  it('nobody is raised above their own role, and no token is made broader than its maker', async () => {
    const [admin, developer] = [inTeam(members.ADMIN.session, teamId), inTeam(members.DEVELOPER.session, teamId)];
    const changeRole = (headers: Record<string, string>, userId: string, role: Role) =>
      t.gql('mutation($userId: ID!, $role: TeamRole!) { changeMemberRole(userId: $userId, role: $role) { role } }', { userId, role }, headers);
    // an admin makes an owner, or invites one
    expect(codes(await changeRole(admin, members.VIEWER.accountId, 'OWNER'))).toEqual(['TEAM_ROLE_INSUFFICIENT']);
    expect(codes(await changeRole(admin, members.ADMIN.accountId, 'OWNER'))).toEqual(['TEAM_ROLE_INSUFFICIENT']);
    expect(codes(await t.gql('mutation { inviteMember(email: "boss@example.com", role: OWNER) { secret } }', {}, admin))).toEqual(['TEAM_ROLE_INSUFFICIENT']);
    // an admin changes the owner
    expect(codes(await changeRole(admin, owner.accountId, 'VIEWER'))).toEqual(['TEAM_ROLE_INSUFFICIENT']);
    // a developer raises itself
    expect(codes(await changeRole(developer, members.DEVELOPER.accountId, 'ADMIN'))).toEqual(['TEAM_ROLE_INSUFFICIENT']);
    // a developer makes a token with a scope its role lacks
    const broader = await t.gql('mutation { generateToken(name: "hooks", scopes: [WEBHOOKS_WRITE]) { secret } }', {}, developer);
    expect(codes(broader)).toEqual(['API_TOKEN_SCOPE_MISSING']);
    expect(broader.errors![0]!.extensions!.scope).toBe('WEBHOOKS_WRITE');
    // a developer takes no broader token over: rolling it would hand out its secret
    const hooks = await t.gql('mutation { generateToken(name: "admin hooks", scopes: [WEBHOOKS_WRITE]) { token { id } } }', {}, admin);
    const hooksId = hooks.data.generateToken.token.id as string;
    for (const [what, query] of [
      ['roll', 'mutation($id: ID!) { rollToken(id: $id, gracePeriod: NONE) { secret } }'],
      ['update', 'mutation($id: ID!) { updateToken(id: $id, name: "mine now") { id } }'],
      ['delete', 'mutation($id: ID!) { deleteToken(id: $id) { id } }'],
    ] as const) {
      const refused = await t.gql(query, { id: hooksId }, developer);
      expect(codes(refused), what).toEqual(['API_TOKEN_SCOPE_MISSING']);
      expect(refused.errors![0]!.extensions!.scope).toBe('WEBHOOKS_WRITE');
    }
    expect((await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: hooksId }, admin)).errors).toBeUndefined();
    // nothing changed
    const roles = await t.gql('{ teamMembers { userId role } }', {}, admin);
    expect(roles.data.teamMembers).toEqual(ROLES.map((role) => ({ userId: members[role].accountId, role })));
  });

  it('the last owner can neither leave nor step down; with another owner they can', async () => {
    const ownerHeaders = inTeam(owner.session, teamId);
    expect(codes(await t.gql('mutation($id: ID!) { leaveTeam(teamId: $id) }', { id: teamId }, ownerHeaders))).toEqual(['TEAM_OWNER_REQUIRED']);
    const stepDown = await t.gql('mutation($userId: ID!) { changeMemberRole(userId: $userId, role: ADMIN) { role } }', { userId: owner.accountId }, ownerHeaders);
    expect(codes(stepDown)).toEqual(['TEAM_OWNER_REQUIRED']);
    const second = await t.signUp({ plan: 'free' });
    const otherTeam = await createTeam(second.session, 'Two owners');
    const coOwner = await memberWith(second.session, otherTeam, 'OWNER');
    const left = await t.gql('mutation($id: ID!) { leaveTeam(teamId: $id) }', { id: otherTeam }, bearer(second.session));
    expect(left.errors).toBeUndefined();
    const after = await t.gql('{ teamMembers { userId role } }', {}, inTeam(coOwner.session, otherTeam));
    expect(after.data.teamMembers).toEqual([{ userId: coOwner.accountId, role: 'OWNER' }]);
    expect(codes(await t.gql('{ tokens { id } }', {}, inTeam(second.session, otherTeam)))).toEqual(['TEAM_NOT_FOUND']);
  });
});

describe('invitations', () => {
  it('work once, until revoked, for 7 days', async () => {
    const owner = await t.signUp({ plan: 'free' });
    const teamId = await createTeam(owner.session);
    const [first, second, late, revokedPerson] = [await t.signUp({ plan: 'free' }), await t.signUp({ plan: 'free' }), await t.signUp({ plan: 'free' }), await t.signUp({ plan: 'free' })];

    const used = await invite(owner.session, teamId, first.email, 'DEVELOPER');
    expect(used.data.inviteMember.secret).toMatch(/^pgi_[0-9A-Za-z]{36}$/);
    expect(new Date(used.data.inviteMember.invitation.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3_600_000);
    const pending = await t.gql('{ teamInvitations { id email role } }', {}, inTeam(owner.session, teamId));
    expect(pending.data.teamInvitations).toEqual([{ id: used.data.inviteMember.invitation.id, email: first.email, role: 'DEVELOPER' }]);
    expect((await accept(first.session, used.data.inviteMember.secret)).errors).toBeUndefined();
    expect(codes(await accept(second.session, used.data.inviteMember.secret))).toEqual(['INVITATION_USED']);
    expect(codes(await accept(first.session, used.data.inviteMember.secret))).toEqual(['INVITATION_USED']);
    // a member is not invited again
    expect(codes(await invite(owner.session, teamId, first.email, 'VIEWER'))).toEqual(['MEMBER_ALREADY_JOINED']);

    const revoked = await invite(owner.session, teamId, revokedPerson.email, 'VIEWER');
    const revoke = await t.gql('mutation($id: ID!) { revokeInvitation(id: $id) }', { id: revoked.data.inviteMember.invitation.id }, inTeam(owner.session, teamId));
    expect(revoke.errors).toBeUndefined();
    expect(codes(await accept(revokedPerson.session, revoked.data.inviteMember.secret))).toEqual(['INVITATION_REVOKED']);

    const expiring = await invite(owner.session, teamId, late.email, 'VIEWER');
    offsetMs = 7 * 24 * 3_600_000 + 1000;
    try {
      expect(codes(await accept(late.session, expiring.data.inviteMember.secret))).toEqual(['INVITATION_EXPIRED']);
    } finally {
      offsetMs = 0;
    }
    expect(codes(await accept(late.session, 'pgi_notarealsecretatallnotarealsecret'))).toEqual(['INVITATION_NOT_FOUND']);

    // an invitation holds only while its maker could make it again: an admin removed, their links go with them
    const admin = await memberWith(owner.session, teamId, 'ADMIN');
    const byAdmin = await invite(admin.session, teamId, late.email, 'ADMIN');
    expect(byAdmin.errors).toBeUndefined();
    expect((await t.gql('mutation($u: ID!) { removeMember(userId: $u) }', { u: admin.accountId }, inTeam(owner.session, teamId))).errors).toBeUndefined();
    expect(codes(await accept(late.session, byAdmin.data.inviteMember.secret))).toEqual(['INVITATION_REVOKED']);
    // none of them joined
    const membersNow = await t.gql('{ teamMembers { userId } }', {}, inTeam(owner.session, teamId));
    expect(membersNow.data.teamMembers.map((member: { userId: string }) => member.userId)).toEqual([owner.accountId, first.accountId]);
  });

  it('accepting one link twice at once joins once', async () => {
    const owner = await t.signUp({ plan: 'free' });
    const teamId = await createTeam(owner.session);
    const [a, b] = [await t.signUp({ plan: 'free' }), await t.signUp({ plan: 'free' })];
    const invited = await invite(owner.session, teamId, a.email, 'VIEWER');
    const results = await Promise.all([accept(a.session, invited.data.inviteMember.secret), accept(b.session, invited.data.inviteMember.secret)]);
    expect(results.filter((result) => result.errors === undefined)).toHaveLength(1);
    expect(results.flatMap(codes).filter(Boolean)).toEqual(['INVITATION_USED']);
    const membersNow = await t.gql('{ teamMembers { userId } }', {}, inTeam(owner.session, teamId));
    expect(membersNow.data.teamMembers).toHaveLength(2);
  });
});

describe('removal', () => {
  it("takes effect at the member's next request, ends their live views of the team, and is in the audit log with who did it", async () => {
    const owner = await t.signUp({ plan: 'free' });
    const teamId = await createTeam(owner.session);
    const developer = await memberWith(owner.session, teamId, 'DEVELOPER');
    const made = await t.gql('mutation { generateToken(name: "by developer") { secret token { id } } }', {}, inTeam(developer.session, teamId));
    expect(made.errors).toBeUndefined();

    // the developer watches the team's counts and activity over WebSocket
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${developer.session}`, team: teamId } });
    const counts = collect<{ documentCount: { tokenId: string } }>(client, 'subscription { documentCount { tokenId documentCount } }');
    const activity = collect<{ auditEvents: { type: string } }>(client, 'subscription { auditEvents { type } }');
    await counts.waitFor(1);
    expect(counts.values[0]!.documentCount.tokenId).toBe(made.data.generateToken.token.id);

    const removed = await t.gql('mutation($userId: ID!) { removeMember(userId: $userId) }', { userId: developer.accountId }, inTeam(owner.session, teamId));
    expect(removed.errors).toBeUndefined();
    for (const feed of [counts, activity]) {
      const error = (await feed.waitForError()) as Array<{ extensions?: { code?: string } }>;
      expect(error[0]!.extensions!.code).toBe('TEAM_NOT_FOUND');
    }
    expect(codes(await t.gql('{ tokens { id } }', {}, inTeam(developer.session, teamId)))).toEqual(['TEAM_NOT_FOUND']);
    // their own team is theirs still
    expect((await t.gql('{ tokens { id } }', {}, bearer(developer.session))).errors).toBeUndefined();
    // the token the developer made belongs to the team, and keeps working
    expect((await t.renderDocument(made.data.generateToken.secret)).errors).toBeUndefined();
    await client.dispose();

    const log = await t.gql('{ auditEventConnection(first: 20) { edges { node { type actorType actorUserId actorEmail details } } } }', {}, inTeam(owner.session, teamId));
    const events = log.data.auditEventConnection.edges.map((edge: { node: Record<string, string> }) => edge.node);
    const byType = (type: string) => events.find((event: { type: string }) => event.type === type);
    expect(byType('TOKEN_GENERATED')).toMatchObject({ actorType: 'SESSION', actorUserId: developer.accountId, actorEmail: developer.email });
    expect(byType('MEMBER_REMOVED')).toMatchObject({ actorUserId: owner.accountId, actorEmail: owner.email });
    expect(JSON.parse(byType('MEMBER_REMOVED').details)).toMatchObject({ userId: developer.accountId, email: developer.email, role: 'DEVELOPER' });
    expect(byType('MEMBER_JOINED')).toMatchObject({ actorUserId: developer.accountId });
    expect(JSON.parse(byType('MEMBER_INVITED').details)).toMatchObject({ email: developer.email, role: 'DEVELOPER' });
    expect(byType('TEAM_CREATED')).toMatchObject({ actorUserId: owner.accountId });
  });

  it("signing out ends the session's live views in every team", async () => {
    const owner = await t.signUp({ plan: 'free' });
    const teamId = await createTeam(owner.session);
    const viewer = await memberWith(owner.session, teamId, 'VIEWER');
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${viewer.session}`, team: teamId } });
    const activity = collect<{ auditEvents: { type: string } }>(client, 'subscription { auditEvents { type } }');
    await untilHearing(activity, owner.session, teamId);
    expect((await t.gql('mutation { signOut }', {}, bearer(viewer.session))).errors).toBeUndefined();
    const error = (await activity.waitForError()) as Array<{ extensions?: { code?: string } }>;
    expect(error[0]!.extensions!.code).toBe('SESSION_EXPIRED');
    await client.dispose();
  });
});

describe('a team that requires two-factor sign-in', () => {
  const PASSWORD = 'correct horse battery';
  async function turnOnTwoFactor(session: string): Promise<void> {
    const started = await t.gql('mutation($password: String!) { startTwoFactorEnrolment(password: $password) { secret } }', { password: PASSWORD }, bearer(session));
    const code = await generate({ secret: started.data.startTwoFactorEnrolment.secret });
    const confirmed = await t.gql('mutation($code: String!) { confirmTwoFactor(code: $code) }', { code }, bearer(session));
    expect(confirmed.errors).toBeUndefined();
  }

  it('refuses its members without it until they turn it on; only an owner who has it sets the rule; a refused member may still leave', async () => {
    const owner = await t.signUp({ plan: '' });
    const teamId = await createTeam(owner.session);
    const [developer, viewer] = [await memberWith(owner.session, teamId, 'DEVELOPER'), await memberWith(owner.session, teamId, 'VIEWER')];
    const require = (session: string, required: boolean) => t.gql('mutation($r: Boolean!) { requireTwoFactor(required: $r) { twoFactorRequired } }', { r: required }, inTeam(session, teamId));

    // the owner must have it first, and nobody else may set it
    expect(codes(await require(owner.session, true))).toEqual(['TWO_FACTOR_NOT_ENABLED']);
    expect(codes(await require(developer.session, true))).toEqual(['TEAM_ROLE_INSUFFICIENT']);
    await turnOnTwoFactor(owner.session);
    const set = await require(owner.session, true);
    expect(set.errors).toBeUndefined();
    expect(set.data.requireTwoFactor.twoFactorRequired).toBe(true);

    // members without it are refused in the team, and only there
    const refused = await t.gql('{ tokens { id } }', {}, inTeam(developer.session, teamId));
    expect(codes(refused)).toEqual(['TEAM_TWO_FACTOR_REQUIRED']);
    expect(refused.status).toBe(403);
    expect((await t.gql('{ tokens { id } }', {}, bearer(developer.session))).errors).toBeUndefined();
    expect((await t.gql('{ teams { team { id twoFactorRequired } } }', {}, bearer(developer.session))).data.teams[1]).toEqual({ team: { id: teamId, twoFactorRequired: true } });
    // once they turn it on, they are in
    await turnOnTwoFactor(developer.session);
    expect((await t.gql('{ tokens { id } }', {}, inTeam(developer.session, teamId))).errors).toBeUndefined();
    // a refused member may still leave
    expect((await t.gql('mutation($id: ID!) { leaveTeam(teamId: $id) }', { id: teamId }, bearer(viewer.session))).errors).toBeUndefined();
    expect(codes(await t.gql('{ tokens { id } }', {}, inTeam(viewer.session, teamId)))).toEqual(['TEAM_NOT_FOUND']);
    // the owner lifts the rule, and it is in the log
    expect((await require(owner.session, false)).data.requireTwoFactor.twoFactorRequired).toBe(false);
    const log = await t.gql('{ auditEventConnection(first: 20, types: [TEAM_TWO_FACTOR_POLICY_CHANGED, MEMBER_LEFT]) { edges { node { type details actorUserId } } } }', {}, inTeam(owner.session, teamId));
    expect(log.data.auditEventConnection.edges.map((edge: { node: { type: string; details: string } }) => [edge.node.type, JSON.parse(edge.node.details)])).toEqual([
      ['TEAM_TWO_FACTOR_POLICY_CHANGED', { twoFactorRequired: false }],
      ['MEMBER_LEFT', { userId: viewer.accountId, email: viewer.email, role: 'VIEWER' }],
      ['TEAM_TWO_FACTOR_POLICY_CHANGED', { twoFactorRequired: true }],
    ]);
  });
});

describe('deleting a team', () => {
  it('takes its owner naming it; its tokens stop at once, its members are out, and its people keep their own teams', async () => {
    const owner = await t.signUp({ plan: 'pro' });
    const teamId = await createTeam(owner.session, 'Short-lived');
    const admin = await memberWith(owner.session, teamId, 'ADMIN');
    const made = await t.gql('mutation { generateToken(name: "doomed") { secret } }', {}, inTeam(admin.session, teamId));
    const secret = made.data.generateToken.secret as string;
    expect((await t.renderDocument(secret)).errors).toBeUndefined();
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${admin.session}`, team: teamId } });
    const activity = collect<{ auditEvents: { type: string } }>(client, 'subscription { auditEvents { type } }');
    await untilHearing(activity, owner.session, teamId);

    const remove = (session: string, name: string) => t.gql('mutation($name: String!) { deleteTeam(name: $name) }', { name }, inTeam(session, teamId));
    expect(codes(await remove(admin.session, 'Short-lived'))).toEqual(['TEAM_ROLE_INSUFFICIENT']);
    expect(codes(await remove(owner.session, 'short-lived'))).toEqual(['TEAM_NAME_INVALID']);
    expect((await remove(owner.session, 'Short-lived')).errors).toBeUndefined();

    expect(codes(await t.renderDocument(secret))).toEqual(['API_TOKEN_INVALID']);
    expect(codes(await t.gql('{ tokens { id } }', {}, inTeam(admin.session, teamId)))).toEqual(['TEAM_NOT_FOUND']);
    const error = (await activity.waitForError()) as Array<{ extensions?: { code?: string } }>;
    expect(error[0]!.extensions!.code).toBe('TEAM_NOT_FOUND');
    await client.dispose();
    for (const person of [owner, admin]) {
      const teams = await t.gql('{ teams { team { id } } }', {}, bearer(person.session));
      expect(teams.data.teams).toEqual([{ team: { id: person.accountId } }]);
    }
    // the team's log is gone with it; the deletion is in its owner's own
    const own = await t.gql('{ auditEventConnection(first: 5, types: [TEAM_DELETED]) { edges { node { details actorUserId } } } }', {}, bearer(owner.session));
    expect(own.data.auditEventConnection.edges.map((edge: { node: { details: string; actorUserId: string } }) => [JSON.parse(edge.node.details), edge.node.actorUserId])).toEqual([
      [{ teamId, name: 'Short-lived' }, owner.accountId],
    ]);
  });
});

describe('making teams', () => {
  it('a person owns at most 10 besides their own: each has a plan, and a free one with it', async () => {
    const person = await t.signUp({ plan: '' });
    const made = await Promise.all(
      Array.from({ length: 12 }, (_, i) => t.gql('mutation($name: String!) { createTeam(name: $name) { id } }', { name: `Team ${i}` }, bearer(person.session))),
    );
    expect(made.filter((result) => result.errors === undefined)).toHaveLength(10);
    expect(made.flatMap((result) => codes(result) ?? [])).toEqual(['TEAM_LIMIT_REACHED', 'TEAM_LIMIT_REACHED']);
    expect((await t.gql('{ teams { role } }', {}, bearer(person.session))).data.teams).toHaveLength(11);
    expect(codes(await t.gql('mutation { createTeam(name: "   ") { id } }', {}, bearer(person.session)))).toEqual(['TEAM_NAME_INVALID']);
  });
});
