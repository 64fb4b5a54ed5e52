// Teams: who may do what in the team a request works in, and how people join and leave.
//
// A team is an account (ports.ts): it owns the plan, tokens, usage, webhooks and the activity log.
// A person's own account is their personal team, of which they are the only member and the owner;
// a team they create has members, each with a role. A request names its team (the Pogodoc-Team
// header, graphql/context.ts) and is checked against the caller's membership on every request, so
// a removal takes effect at the next one.
//
// A role is a set of the token scopes (token-scopes.ts) plus the management only people do:
// - OWNER: everything, the plan, and every member, owners included;
// - ADMIN: tokens and webhooks, and members below owner (invite, change, remove);
// - DEVELOPER: make, roll and delete tokens; read usage and activity;
// - VIEWER: read tokens (never a secret), usage and activity.
// Nobody raises anyone, themselves included, above their own role, and a team always keeps an owner.
import { normalizeEmail } from './accounts.js';
import { auditEvent, type AuditActor, type AuditEventRecord } from './audit.js';
import { message, type ChangeRecord } from './mail.js';
import { DomainError, EmailNotVerifiedError, TeamNotFoundError, TeamRoleInsufficientError, TeamTwoFactorRequiredError } from './errors.js';
import { newId } from './ids.js';
import type { AccountRecord, LiveAnnouncements, PersonRecord } from './ports.js';
import { generateSecret, hashSecret } from './secrets.js';
import { ALL_SCOPES, holdsScope, storeScopes, type StoredScopes, type TokenScope } from './token-scopes.js';

/** The HTTP header that names the team a dashboard request works in (its account id). */
export const TEAM_HEADER = 'pogodoc-team';

export const TEAM_ROLES = {
  OWNER: 'Everything: the plan, the team itself, and every member, owners included.',
  ADMIN: 'Tokens and webhooks; invites, changes and removes members below owner.',
  DEVELOPER: 'Generates, rolls and deletes tokens; reads usage and activity.',
  VIEWER: 'Reads tokens (never a secret), usage and activity.',
} as const;

export type TeamRole = keyof typeof TEAM_ROLES;

export const TEAM_ROLE_NAMES = Object.keys(TEAM_ROLES) as TeamRole[];

const RANK: Record<TeamRole, number> = { VIEWER: 0, DEVELOPER: 1, ADMIN: 2, OWNER: 3 };

/** What each role may do with the API, as token scopes: a member's session holds its role's, and gives no more to a token. */
export const ROLE_SCOPES: Record<TeamRole, StoredScopes> = {
  OWNER: ALL_SCOPES,
  ADMIN: ALL_SCOPES,
  DEVELOPER: storeScopes(['DOCUMENTS_RENDER', 'TOKENS_READ', 'TOKENS_WRITE', 'USAGE_READ', 'AUDIT_READ']),
  VIEWER: storeScopes(['TOKENS_READ', 'USAGE_READ', 'AUDIT_READ']),
};

export const INVITATION_VALID_MS = 7 * 24 * 60 * 60 * 1000;
export const TEAM_NAME_MAX_LENGTH = 40;
/**
 * Teams one person may own besides their personal team. Each team has a plan of its own, and a free
 * plan's documents with it: this bounds what one person can take by making teams.
 */
export const MAX_OWNED_TEAMS = 10;
/** Pending invitations of one team at once: enough for any real team, and a bound on what one admin can store. */
export const MAX_PENDING_INVITATIONS = 50;

export function isTeamRole(value: string): value is TeamRole {
  return Object.hasOwn(TEAM_ROLES, value);
}

export const atLeast = (role: TeamRole, least: TeamRole) => RANK[role] >= RANK[least];

/** Refuses a member below `least`: TEAM_ROLE_INSUFFICIENT, 403, naming the role it takes. */
export function requireRole(role: TeamRole, least: TeamRole, whatFor: string): void {
  if (!atLeast(role, least)) throw new TeamRoleInsufficientError(least, whatFor);
}

const SCOPE_WORDS: Record<TokenScope, string> = {
  DOCUMENTS_RENDER: 'make documents',
  TOKENS_READ: 'read tokens',
  TOKENS_WRITE: 'generate, change, roll or delete tokens',
  USAGE_READ: 'read usage',
  AUDIT_READ: 'read the activity log',
  WEBHOOKS_WRITE: 'manage webhooks',
};

/** Refuses a member whose role lacks `scope`, naming the least role that has it. */
export function requireRoleScope(role: TeamRole, scope: TokenScope): void {
  if (holdsScope(ROLE_SCOPES[role], scope)) return;
  const least = [...TEAM_ROLE_NAMES].sort((a, b) => RANK[a] - RANK[b]).find((candidate) => holdsScope(ROLE_SCOPES[candidate], scope))!;
  throw new TeamRoleInsufficientError(least, SCOPE_WORDS[scope]);
}

/** Who may give a role: an admin or owner, and no role above their own. */
function requireMayGive(actorRole: TeamRole, role: TeamRole): void {
  requireRole(actorRole, 'ADMIN', 'invite members or change their roles');
  if (!atLeast(actorRole, role)) throw new TeamRoleInsufficientError(role, `make someone ${role}`);
}

/** Who may change or remove a member: an admin for those below owner, an owner for anyone. */
function requireMayManage(actorRole: TeamRole, memberRole: TeamRole): void {
  requireRole(actorRole, 'ADMIN', 'change or remove members');
  if (memberRole === 'OWNER') requireRole(actorRole, 'OWNER', 'change or remove an owner');
}

export function checkTeamName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || [...name].length > TEAM_NAME_MAX_LENGTH || /\p{Cc}/u.test(name)) {
    throw new DomainError('TEAM_NAME_INVALID', `Give the team a name of 1 to ${TEAM_NAME_MAX_LENGTH} characters, without control characters.`);
  }
  return name;
}

/** The team a request works in, and the caller's role there. */
export interface TeamAccess {
  team: AccountRecord;
  role: TeamRole;
}

export interface MemberRecord {
  user: Pick<AccountRecord, 'id' | 'email'>;
  role: TeamRole;
  joinedAt: Date;
}

export interface InvitationRecord {
  id: string;
  teamId: string;
  email: string;
  role: TeamRole;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

/** What the team store answers when a change did not happen, for the service to say why. */
export type MembershipChange = 'changed' | 'not-a-member' | 'last-owner' | 'role-changed';

export interface TeamStore {
  /**
   * The team, the person's role in it and whether they sign in with two-factor; null unless they
   * are a member (a personal team is not asked).
   */
  membership(teamId: string, userId: string): Promise<(TeamAccess & { twoFactorOn: boolean }) | null>;
  hasTwoFactor(userId: string): Promise<boolean>;
  /** Sets since when the team requires two-factor sign-in (null: it does not), with its event. */
  setTwoFactorRequired(teamId: string, since: Date | null, events: AuditRecords): Promise<AccountRecord>;
  /** The teams the person is a member of, besides their own, oldest membership first. */
  teamsOf(userId: string): Promise<TeamAccess[]>;
  /** The team and its owner's membership, with TEAM_CREATED, in one transaction; null when the owner already owns `ownedLimit` teams. */
  create(team: { id: string; name: string; createdAt: Date }, ownerId: string, ownedLimit: number, events: AuditRecords): Promise<AccountRecord | null>;
  members(teamId: string): Promise<MemberRecord[]>;
  isMemberByEmail(teamId: string, email: string): Promise<boolean>;
  /** Null when the team already has MAX_PENDING_INVITATIONS pending at `at`. */
  createInvitation(invitation: InvitationRecord & { secretHash: string }, pendingLimit: number, events: AuditRecords): Promise<InvitationRecord | null>;
  pendingInvitations(teamId: string, at: Date): Promise<InvitationRecord[]>;
  invitationBySecretHash(secretHash: string): Promise<InvitationRecord | null>;
  /** Revokes a pending invitation of the team; false when there is none (accepted, revoked, unknown). */
  revokeInvitation(teamId: string, id: string, at: Date, events: AuditRecords): Promise<boolean>;
  /**
   * Marks the invitation accepted by `userId` and adds the membership, in one transaction, only
   * while it is pending at `at` and the person is not a member: 'stale' or 'member' otherwise.
   */
  acceptInvitation(id: string, userId: string, at: Date, events: AuditRecords): Promise<'joined' | 'stale' | 'member'>;
  /** Whether whoever made the invitation may still give its role: a member, admin or owner, and owner for an owner's invitation. */
  inviterMayStillInvite(invitation: InvitationRecord): Promise<boolean>;
  /**
   * Deletes a team and everything it owns (memberships, invitations, tokens, usage; its webhook
   * endpoints stop and their waiting messages are given up), with TEAM_DELETED, in one
   * transaction; answers the people who were its members.
   */
  deleteTeam(teamId: string, at: Date, events: AuditRecords): Promise<string[]>;
  /**
   * Changes a member's role, unless that would leave the team without an owner, or the member's
   * role is no longer `current` (the role the caller's right to change it was checked against).
   */
  changeRole(teamId: string, userId: string, current: TeamRole, role: TeamRole, events: AuditRecords): Promise<MembershipChange>;
  /** Ends a membership, unless it is the team's last owner, or its role is no longer `current`. */
  removeMember(teamId: string, userId: string, current: TeamRole, events: AuditRecords): Promise<MembershipChange>;
}

/** The audit events (and messages) a team change records, written in its transaction. */
export type AuditRecords = readonly ChangeRecord[];

/**
 * Invitations travel by mail, so both ends need an address the person has shown they read: whoever
 * invites (the invitation names them), and whoever joins (an unverified account could be anyone's).
 */
function requireVerifiedEmail(person: PersonRecord, what: string): void {
  if (!person.emailVerifiedAt) throw new EmailNotVerifiedError(person.email, what);
}

export class TeamService {
  constructor(
    private readonly store: TeamStore,
    private readonly announce: Pick<LiveAnnouncements, 'memberRemoved'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The team `person` works in when a request names `teamId` (their personal team when it names
   * none), and their role there. Read on every request, so that a removal counts at once.
   */
  async accessOf(person: PersonRecord, teamId: string | undefined): Promise<TeamAccess> {
    if (teamId === undefined || teamId === person.id) return { team: person, role: 'OWNER' };
    const membership = await this.store.membership(teamId, person.id);
    if (!membership) throw new TeamNotFoundError();
    const { team, role, twoFactorOn } = membership;
    // a team's own rule, as GitHub's organisations have it: a member without two-factor may list
    // the team (teamsOf) and leave it, and do nothing in it until they turn it on
    if (team.twoFactorRequiredAt && !twoFactorOn) throw new TeamTwoFactorRequiredError();
    return { team, role };
  }

  /**
   * Requires two-factor sign-in of every member, or stops requiring it: owners only, and an owner
   * who has it on, so that the rule cannot lock its maker out.
   */
  async setTwoFactorRequired(access: TeamAccess, person: PersonRecord, required: boolean, actor: AuditActor): Promise<AccountRecord> {
    requireShared(access.team);
    requireRole(access.role, 'OWNER', 'change the team’s sign-in rules');
    if (required && !(await this.store.hasTwoFactor(person.id))) {
      throw new DomainError('TWO_FACTOR_NOT_ENABLED', 'Turn on two-factor sign-in for yourself first (Security), then require it of the team.');
    }
    const now = this.now();
    return this.store.setTwoFactorRequired(access.team.id, required ? (access.team.twoFactorRequiredAt ?? now) : null, [
      auditEvent('TEAM_TWO_FACTOR_POLICY_CHANGED', actor, now, { accountId: access.team.id, details: { twoFactorRequired: required } }),
    ]);
  }

  /** The person's teams, their personal team first. */
  async teamsOf(person: PersonRecord): Promise<TeamAccess[]> {
    return [{ team: person, role: 'OWNER' }, ...(await this.store.teamsOf(person.id))];
  }

  async create(person: PersonRecord, rawName: string, actor: AuditActor): Promise<AccountRecord> {
    const name = checkTeamName(rawName);
    const now = this.now();
    const id = `team_${newId(now)}`;
    const team = await this.store.create({ id, name, createdAt: now }, person.id, MAX_OWNED_TEAMS, [auditEvent('TEAM_CREATED', actor, now, { accountId: id, details: { name } })]);
    if (!team) throw new DomainError('TEAM_LIMIT_REACHED', `You already own ${MAX_OWNED_TEAMS} teams: delete one you no longer use, or ask another owner of one to take it over.`);
    return team;
  }

  async members(team: AccountRecord): Promise<MemberRecord[]> {
    if (team.email !== null) return [{ user: { id: team.id, email: team.email }, role: 'OWNER', joinedAt: team.createdAt }];
    return this.store.members(team.id);
  }

  /** A new invitation and its secret, shown this once (the link carries it). */
  async invite(access: TeamAccess, rawEmail: string, role: TeamRole, actor: AuditActor, inviter: PersonRecord): Promise<{ invitation: InvitationRecord; secret: string }> {
    const { team } = access;
    requireShared(team);
    requireMayGive(access.role, role);
    requireVerifiedEmail(inviter, 'invite people to a team');
    const email = normalizeEmail(rawEmail);
    if (await this.store.isMemberByEmail(team.id, email)) throw alreadyMember();
    const now = this.now();
    const secret = generateSecret('invitation');
    const invitation: InvitationRecord = {
      id: `inv_${newId(now)}`,
      teamId: team.id,
      email,
      role,
      invitedBy: actor.user?.id ?? actor.id ?? 'unknown',
      createdAt: now,
      expiresAt: new Date(now.getTime() + INVITATION_VALID_MS),
      acceptedAt: null,
      revokedAt: null,
    };
    const created = await this.store.createInvitation({ ...invitation, secretHash: hashSecret(secret) }, MAX_PENDING_INVITATIONS, [
      auditEvent('MEMBER_INVITED', actor, now, { accountId: team.id, details: { invitationId: invitation.id, email, role } }),
      message('TEAM_INVITATION', team.id, { address: email }, { secret, teamId: team.id, role, invitedBy: inviter.email, validUntil: invitation.expiresAt.toISOString() }, now, invitation.id),
    ]);
    if (!created) throw new DomainError('INVITATION_LIMIT_REACHED', `The team has ${MAX_PENDING_INVITATIONS} pending invitations: revoke some, or wait for them to be accepted or to expire.`);
    return { invitation: created, secret };
  }

  pendingInvitations(access: TeamAccess): Promise<InvitationRecord[]> {
    return access.team.email !== null ? Promise.resolve([]) : this.store.pendingInvitations(access.team.id, this.now());
  }

  async revokeInvitation(access: TeamAccess, id: string, actor: AuditActor): Promise<void> {
    requireRole(access.role, 'ADMIN', 'revoke invitations');
    const now = this.now();
    const revoked = await this.store.revokeInvitation(access.team.id, id, now, [auditEvent('INVITATION_REVOKED', actor, now, { accountId: access.team.id, details: { invitationId: id } })]);
    if (!revoked) throw invitationNotFound();
  }

  /** Joins the invitation's team with its role; the link works once, within its 7 days, until revoked. */
  async accept(person: PersonRecord, secret: string, actor: AuditActor): Promise<TeamAccess> {
    requireVerifiedEmail(person, 'join a team');
    const invitation = await this.store.invitationBySecretHash(hashSecret(secret.trim()));
    const now = this.now();
    if (!invitation) throw invitationNotFound();
    refuseUnlessPending(invitation, now);
    const outcome = await this.store.acceptInvitation(invitation.id, person.id, now, [
      auditEvent('MEMBER_JOINED', actor, now, { accountId: invitation.teamId, details: { invitationId: invitation.id, userId: person.id, email: person.email, role: invitation.role } }),
    ]);
    if (outcome === 'member') throw alreadyMember();
    if (outcome === 'stale') {
      // accepted, revoked or expired since it was read: say which, as for the first reader;
      // or its maker was removed or demoted since, and their invitations went with their role
      const current = (await this.store.invitationBySecretHash(hashSecret(secret.trim()))) ?? invitation;
      refuseUnlessPending(current, now);
      if (!(await this.store.inviterMayStillInvite(current))) {
        throw new DomainError('INVITATION_REVOKED', 'This invitation no longer holds: whoever sent it can no longer invite to the team. Ask the team for a new one.');
      }
      throw invitationNotFound();
    }
    const access = await this.store.membership(invitation.teamId, person.id);
    if (!access) throw new TeamNotFoundError();
    return access;
  }

  async changeRole(access: TeamAccess, userId: string, role: TeamRole, actor: AuditActor): Promise<MemberRecord> {
    requireRole(access.role, 'ADMIN', 'change members’ roles');
    const member = await this.memberOf(access.team, userId);
    requireMayManage(access.role, member.role);
    requireMayGive(access.role, role);
    const now = this.now();
    const outcome = await this.store.changeRole(access.team.id, userId, member.role, role, [
      auditEvent('MEMBER_ROLE_CHANGED', actor, now, { accountId: access.team.id, details: { userId, email: member.user.email, from: member.role, to: role } }),
    ]);
    refuseUnlessChanged(outcome);
    return { ...member, role };
  }

  async remove(access: TeamAccess, userId: string, actor: AuditActor): Promise<void> {
    requireRole(access.role, 'ADMIN', 'remove members');
    const member = await this.memberOf(access.team, userId);
    requireMayManage(access.role, member.role);
    const now = this.now();
    const outcome = await this.store.removeMember(access.team.id, userId, member.role, [
      auditEvent('MEMBER_REMOVED', actor, now, { accountId: access.team.id, details: { userId, email: member.user.email, role: member.role } }),
      message('REMOVED_FROM_TEAM', access.team.id, { personId: userId }, { teamId: access.team.id, removedBy: actor.user?.email ?? null }, now, `${access.team.id}:${userId}:${now.toISOString()}`),
    ]);
    refuseUnlessChanged(outcome);
    this.announce.memberRemoved(access.team.id, userId);
  }

  /**
   * Deletes the team for good: owners only, naming it as it is (as GitHub asks for an
   * organisation's name), never a personal team. Its tokens stop at once, and its members' live
   * views of it end on every instance.
   */
  async deleteTeam(access: TeamAccess, confirmName: string, actor: AuditActor): Promise<void> {
    const { team } = access;
    requireShared(team);
    requireRole(access.role, 'OWNER', 'delete the team');
    if (confirmName.trim() !== team.name) throw new DomainError('TEAM_NAME_INVALID', `Type the team’s name, ${team.name}, to delete it.`);
    const now = this.now();
    // recorded in the team's log, which nobody reads once it is gone, and in the deleting person's own
    const event = (accountId: string) => auditEvent('TEAM_DELETED', actor, now, { accountId, details: { teamId: team.id, name: team.name } });
    const members = await this.store.deleteTeam(team.id, now, actor.user ? [event(team.id), event(actor.user.id)] : [event(team.id)]);
    for (const userId of members) this.announce.memberRemoved(team.id, userId);
  }

  /** Leaves a team: any member, whatever the team's rules (a member refused for lack of two-factor may still go). */
  async leave(person: PersonRecord, teamId: string, actor: AuditActor): Promise<void> {
    if (teamId === person.id) requireShared(person);
    const membership = await this.store.membership(teamId, person.id);
    if (!membership) throw new TeamNotFoundError();
    const now = this.now();
    const outcome = await this.store.removeMember(teamId, person.id, membership.role, [
      auditEvent('MEMBER_LEFT', actor, now, { accountId: teamId, details: { userId: person.id, email: person.email, role: membership.role } }),
    ]);
    refuseUnlessChanged(outcome);
    this.announce.memberRemoved(teamId, person.id);
  }

  private async memberOf(team: AccountRecord, userId: string): Promise<MemberRecord> {
    requireShared(team);
    const member = (await this.store.members(team.id)).find((candidate) => candidate.user.id === userId);
    if (!member) throw new DomainError('MEMBER_NOT_FOUND', 'No such member of this team: they may have left or been removed. Reload the list of members.');
    return member;
  }
}

function requireShared(team: AccountRecord): void {
  if (team.email !== null) throw new DomainError('TEAM_PERSONAL', 'Your personal team has only you. Create a team to invite others and work with them.');
}

function refuseUnlessPending(invitation: InvitationRecord, now: Date): void {
  if (invitation.acceptedAt) throw new DomainError('INVITATION_USED', 'This invitation was already accepted: each link works once. Ask the team for a new one.');
  if (invitation.revokedAt) throw new DomainError('INVITATION_REVOKED', 'This invitation was revoked. Ask the team for a new one.');
  if (invitation.expiresAt <= now) throw new DomainError('INVITATION_EXPIRED', 'This invitation has expired (links are valid for 7 days). Ask the team for a new one.');
}

function refuseUnlessChanged(outcome: MembershipChange): void {
  if (outcome === 'role-changed') throw new DomainError('MEMBER_CHANGED', 'That member’s role changed meanwhile. Reload the list of members and try again.');
  if (outcome === 'last-owner') throw new DomainError('TEAM_OWNER_REQUIRED', 'A team always keeps an owner: make another member an owner first.');
  if (outcome === 'not-a-member') throw new DomainError('MEMBER_NOT_FOUND', 'No such member of this team: they may have left or been removed. Reload the list of members.');
}

const alreadyMember = () => new DomainError('MEMBER_ALREADY_JOINED', 'That person is already a member of this team. Change their role instead.');
const invitationNotFound = () => new DomainError('INVITATION_NOT_FOUND', 'No such invitation: check the link, or ask the team for a new one.');
