// The teams' store: memberships and invitations (domain/teams.ts). Every write is one transaction of
// driver steps with the events it records (sql-driver.ts); the rules that count (the pending
// invitations, the team's owners) are decided in the same statements, after the team's row is
// locked, so that two concurrent changes cannot both pass them.
import type { AccountRecord } from '../domain/ports.js';
import type { AuditRecords, InvitationRecord, MemberRecord, MembershipChange, TeamAccess, TeamRole, TeamStore } from '../domain/teams.js';
import { auditSteps } from './audit-event-steps.js';
import { ACCOUNT_DATES, ACCOUNT_ROW, LOCK_ACCOUNT, RETURNING_ACCOUNT } from './account-sql.js';
import { dateColumns, sqlColumns, type RowModel } from './row-model.js';
import { rowOf, type SqlDriver, type SqlStatement, type SqlStep } from './sql-driver.js';

const INVITATION_ROW = {
  id: 'value',
  teamId: 'value',
  email: 'value',
  role: 'value',
  invitedBy: 'value',
  createdAt: 'date',
  expiresAt: 'date',
  acceptedAt: 'date',
  revokedAt: 'date',
} as const satisfies RowModel<InvitationRecord>;
const INVITATION_COLUMNS = sqlColumns(INVITATION_ROW, 'i');
const INVITATION_DATES = dateColumns(INVITATION_ROW);

const PENDING = `i."acceptedAt" IS NULL AND i."revokedAt" IS NULL`;

// Read on every request a session makes to a team: the team, the role, and (for the team's
// two-factor rule) whether the person has it on, in one indexed statement.
const MEMBERSHIP: SqlStatement = {
  name: 'team_membership',
  text: `SELECT m."role" AS "memberRole", CASE WHEN f."enabledAt" IS NULL THEN 0 ELSE 1 END AS "twoFactorOn", ${sqlColumns(ACCOUNT_ROW, 'a')}
    FROM "Membership" m JOIN "Account" a ON a."id" = m."teamId" LEFT JOIN "TwoFactor" f ON f."accountId" = m."userId"
    WHERE m."teamId" = $1 AND m."userId" = $2`,
  dateColumns: ACCOUNT_DATES,
};

const HAS_TWO_FACTOR: SqlStatement = {
  name: 'team_has_two_factor',
  text: `SELECT 1 AS "on" FROM "TwoFactor" WHERE "accountId" = $1 AND "enabledAt" IS NOT NULL`,
};

const SET_TWO_FACTOR_REQUIRED: SqlStatement = {
  name: 'team_two_factor_required',
  text: `UPDATE "Account" SET "twoFactorRequiredAt" = $2 WHERE "id" = $1 ${RETURNING_ACCOUNT}`,
  dateColumns: ACCOUNT_DATES,
};

const TEAMS_OF: SqlStatement = {
  name: 'team_teams_of',
  text: `SELECT m."role" AS "memberRole", ${sqlColumns(ACCOUNT_ROW, 'a')} FROM "Membership" m JOIN "Account" a ON a."id" = m."teamId"
    WHERE m."userId" = $1 ORDER BY m."createdAt", m."teamId"`,
  dateColumns: ACCOUNT_DATES,
};

// Inserted only while the person owns fewer than $5 teams, counted after their own row is locked.
const INSERT_TEAM: SqlStatement = {
  name: 'team_insert',
  text: `INSERT INTO "Account" ("id", "name", "createdAt")
    SELECT $1, $2, $3 WHERE (SELECT COUNT(*) FROM "Membership" WHERE "userId" = $4 AND "role" = 'OWNER') < $5
    ${RETURNING_ACCOUNT}`,
  dateColumns: ACCOUNT_DATES,
};

const INSERT_MEMBERSHIP: SqlStatement = {
  name: 'team_membership_insert',
  text: `INSERT INTO "Membership" ("teamId", "userId", "role", "createdAt") VALUES ($1, $2, $3, $4)`,
};

const MEMBERS: SqlStatement = {
  name: 'team_members',
  text: `SELECT m."userId", a."email", m."role", m."createdAt" FROM "Membership" m JOIN "Account" a ON a."id" = m."userId"
    WHERE m."teamId" = $1 ORDER BY m."createdAt", m."userId"`,
  dateColumns: ['createdAt'],
};

const MEMBER_BY_EMAIL: SqlStatement = {
  name: 'team_member_by_email',
  text: `SELECT 1 AS "member" FROM "Membership" m JOIN "Account" a ON a."id" = m."userId" WHERE m."teamId" = $1 AND a."email" = $2`,
};

// Inserted only while the team has fewer than $11 pending invitations, counted after the lock.
const INSERT_INVITATION: SqlStatement = {
  name: 'team_invitation_insert',
  text: `INSERT INTO "Invitation" ("id", "teamId", "email", "role", "invitedBy", "createdAt", "expiresAt", "secretHash")
    SELECT $1, $2, $3, $4, $5, $6, $7, $8
    WHERE (SELECT COUNT(*) FROM "Invitation" i WHERE i."teamId" = $2 AND ${PENDING} AND i."expiresAt" > $9) < $10
    RETURNING "id"`,
};

const PENDING_INVITATIONS: SqlStatement = {
  name: 'team_invitations_pending',
  text: `SELECT ${INVITATION_COLUMNS} FROM "Invitation" i WHERE i."teamId" = $1 AND ${PENDING} AND i."expiresAt" > $2 ORDER BY i."createdAt" DESC, i."id"`,
  dateColumns: INVITATION_DATES,
};

const INVITATION_BY_SECRET: SqlStatement = {
  name: 'team_invitation_by_secret',
  text: `SELECT ${INVITATION_COLUMNS} FROM "Invitation" i WHERE i."secretHash" = $1`,
  dateColumns: INVITATION_DATES,
};

const REVOKE_INVITATION: SqlStatement = {
  name: 'team_invitation_revoke',
  text: `UPDATE "Invitation" SET "revokedAt" = $3 WHERE "id" = $2 AND "teamId" = $1 AND "acceptedAt" IS NULL AND "revokedAt" IS NULL RETURNING "id"`,
};

// Whether an invitation's maker may still give its role: an admin or owner of its team, and an owner
// for an owner's invitation. An invitation holds only while its maker could make it again.
const INVITER_MAY_INVITE = `EXISTS (SELECT 1 FROM "Membership" im WHERE im."teamId" = "Invitation"."teamId" AND im."userId" = "Invitation"."invitedBy"
    AND (im."role" = 'OWNER' OR (im."role" = 'ADMIN' AND "Invitation"."role" <> 'OWNER')))`;

// One UPDATE decides between two people accepting one link at once: the first takes it.
const TAKE_INVITATION: SqlStatement = {
  name: 'team_invitation_take',
  text: `UPDATE "Invitation" SET "acceptedAt" = $3, "acceptedBy" = $2
    WHERE "id" = $1 AND "acceptedAt" IS NULL AND "revokedAt" IS NULL AND "expiresAt" > $3 AND ${INVITER_MAY_INVITE} RETURNING "teamId"`,
};

const INVITER_MAY_STILL_INVITE: SqlStatement = {
  name: 'team_inviter_may_invite',
  text: `SELECT 1 AS "may" FROM "Invitation" WHERE "id" = $1 AND ${INVITER_MAY_INVITE}`,
};

const JOIN_FROM_INVITATION: SqlStatement = {
  name: 'team_join_from_invitation',
  text: `INSERT INTO "Membership" ("teamId", "userId", "role", "createdAt")
    SELECT i."teamId", $2, i."role", $3 FROM "Invitation" i
    WHERE i."id" = $1 AND NOT EXISTS (SELECT 1 FROM "Membership" m WHERE m."teamId" = i."teamId" AND m."userId" = $2)
    RETURNING "teamId"`,
};

// A team always keeps an owner: an owner's membership changes (to a lower role) or ends only while
// another owner remains, counted after the team's row is locked.
const ANOTHER_OWNER_REMAINS = `("role" <> 'OWNER' OR (SELECT COUNT(*) FROM "Membership" o WHERE o."teamId" = $1 AND o."role" = 'OWNER') > 1)`;

// Both hold only while the member still has the role the caller's right was checked against.
const CHANGE_ROLE: SqlStatement = {
  name: 'team_member_role',
  text: `UPDATE "Membership" SET "role" = $3 WHERE "teamId" = $1 AND "userId" = $2 AND "role" = $4 AND ($3 = 'OWNER' OR ${ANOTHER_OWNER_REMAINS}) RETURNING "userId"`,
};

const REMOVE_MEMBER: SqlStatement = {
  name: 'team_member_remove',
  text: `DELETE FROM "Membership" WHERE "teamId" = $1 AND "userId" = $2 AND "role" = $3 AND ${ANOTHER_OWNER_REMAINS} RETURNING "userId"`,
};

// A team's deletion: its webhooks stop first (they have no foreign key: the outbox outlives what
// it talks about), then its row goes, and the foreign keys take its memberships, invitations,
// tokens and usage with it. The members are read in the same transaction, for their live views.
const TEAM_MEMBER_IDS: SqlStatement = { name: 'team_member_ids', text: `SELECT "userId" FROM "Membership" WHERE "teamId" = $1` };
const STOP_TEAM_WEBHOOKS: SqlStatement = {
  name: 'team_webhooks_stop',
  text: `UPDATE "WebhookEndpoint" SET "deletedAt" = $2 WHERE "accountId" = $1 AND "deletedAt" IS NULL`,
};
const GIVE_UP_TEAM_MESSAGES: SqlStatement = {
  name: 'team_webhook_messages_give_up',
  text: `UPDATE "WebhookMessage" SET "failedAt" = $2, "failureReason" = 'team deleted' WHERE "accountId" = $1 AND "deliveredAt" IS NULL AND "failedAt" IS NULL`,
};
const DELETE_TEAM: SqlStatement = { name: 'team_delete', text: `DELETE FROM "Account" WHERE "id" = $1 AND "email" IS NULL RETURNING "id"` };

const MEMBER_ROLE: SqlStatement = {
  name: 'team_member_role_of',
  text: `SELECT "role" FROM "Membership" WHERE "teamId" = $1 AND "userId" = $2`,
};

type AccessRow = AccountRecord & { memberRole: TeamRole };

const accessOf = ({ memberRole, ...team }: AccessRow): TeamAccess => ({ team, role: memberRole });

const eventSteps = (events: AuditRecords): SqlStep[] => events.flatMap(auditSteps);

export class DatabaseTeamStore implements TeamStore {
  constructor(private readonly sql: SqlDriver) {}

  async membership(teamId: string, userId: string): Promise<(TeamAccess & { twoFactorOn: boolean }) | null> {
    const [row] = await this.sql.rows<AccessRow & { twoFactorOn: number }>(MEMBERSHIP, [teamId, userId]);
    if (!row) return null;
    const { twoFactorOn, ...access } = row;
    return { ...accessOf(access), twoFactorOn: Number(twoFactorOn) === 1 };
  }

  async hasTwoFactor(userId: string): Promise<boolean> {
    return (await this.sql.rows(HAS_TWO_FACTOR, [userId])).length > 0;
  }

  async setTwoFactorRequired(teamId: string, since: Date | null, events: AuditRecords): Promise<AccountRecord> {
    const result = await this.sql.transaction([{ statement: SET_TWO_FACTOR_REQUIRED, params: [teamId, since], requireRow: true }, ...eventSteps(events)]);
    if (!result.committed) throw new Error(`the team ${teamId} was not found`);
    return rowOf<AccountRecord>(result.rows, 0);
  }

  async teamsOf(userId: string): Promise<TeamAccess[]> {
    return (await this.sql.rows<AccessRow>(TEAMS_OF, [userId])).map(accessOf);
  }

  async create(team: { id: string; name: string; createdAt: Date }, ownerId: string, ownedLimit: number, events: AuditRecords): Promise<AccountRecord | null> {
    const result = await this.sql.transaction([
      { statement: LOCK_ACCOUNT, params: [ownerId], requireRow: true },
      { statement: INSERT_TEAM, params: [team.id, team.name, team.createdAt, ownerId, ownedLimit], requireRow: true },
      { statement: INSERT_MEMBERSHIP, params: [team.id, ownerId, 'OWNER', team.createdAt] },
      ...eventSteps(events),
    ]);
    return result.committed ? rowOf<AccountRecord>(result.rows, 1) : null;
  }

  async members(teamId: string): Promise<MemberRecord[]> {
    const rows = await this.sql.rows<{ userId: string; email: string | null; role: TeamRole; createdAt: Date }>(MEMBERS, [teamId]);
    return rows.map((row) => ({ user: { id: row.userId, email: row.email }, role: row.role, joinedAt: row.createdAt }));
  }

  async isMemberByEmail(teamId: string, email: string): Promise<boolean> {
    return (await this.sql.rows(MEMBER_BY_EMAIL, [teamId, email])).length > 0;
  }

  async createInvitation(invitation: InvitationRecord & { secretHash: string }, pendingLimit: number, events: AuditRecords): Promise<InvitationRecord | null> {
    const { id, teamId, email, role, invitedBy, createdAt, expiresAt, secretHash } = invitation;
    const result = await this.sql.transaction([
      { statement: LOCK_ACCOUNT, params: [teamId], requireRow: true },
      { statement: INSERT_INVITATION, params: [id, teamId, email, role, invitedBy, createdAt, expiresAt, secretHash, createdAt, pendingLimit], requireRow: true },
      ...eventSteps(events),
    ]);
    return result.committed ? { id, teamId, email, role, invitedBy, createdAt, expiresAt, acceptedAt: null, revokedAt: null } : null;
  }

  pendingInvitations(teamId: string, at: Date): Promise<InvitationRecord[]> {
    return this.sql.rows<InvitationRecord>(PENDING_INVITATIONS, [teamId, at]);
  }

  async invitationBySecretHash(secretHash: string): Promise<InvitationRecord | null> {
    const [row] = await this.sql.rows<InvitationRecord>(INVITATION_BY_SECRET, [secretHash]);
    return row ?? null;
  }

  async revokeInvitation(teamId: string, id: string, at: Date, events: AuditRecords): Promise<boolean> {
    const result = await this.sql.transaction([{ statement: REVOKE_INVITATION, params: [teamId, id, at], requireRow: true }, ...eventSteps(events)]);
    return result.committed;
  }

  async acceptInvitation(id: string, userId: string, at: Date, events: AuditRecords): Promise<'joined' | 'stale' | 'member'> {
    const result = await this.sql.transaction([
      { statement: TAKE_INVITATION, params: [id, userId, at], requireRow: true },
      { statement: JOIN_FROM_INVITATION, params: [id, userId, at], requireRow: true },
      ...eventSteps(events),
    ]);
    if (result.committed) return 'joined';
    return result.stoppedAt === 0 ? 'stale' : 'member';
  }

  async deleteTeam(teamId: string, at: Date, events: AuditRecords): Promise<string[]> {
    const result = await this.sql.transaction([
      { statement: LOCK_ACCOUNT, params: [teamId], requireRow: true },
      { statement: TEAM_MEMBER_IDS, params: [teamId] },
      { statement: STOP_TEAM_WEBHOOKS, params: [teamId, at] },
      { statement: GIVE_UP_TEAM_MESSAGES, params: [teamId, at] },
      ...eventSteps(events),
      { statement: DELETE_TEAM, params: [teamId], requireRow: true },
    ]);
    if (!result.committed) return [];
    return result.rows[1]!.map((row) => String(row['userId']));
  }

  changeRole(teamId: string, userId: string, current: TeamRole, role: TeamRole, events: AuditRecords): Promise<MembershipChange> {
    return this.changeMembership(teamId, userId, current, { statement: CHANGE_ROLE, params: [teamId, userId, role, current], requireRow: true }, events);
  }

  removeMember(teamId: string, userId: string, current: TeamRole, events: AuditRecords): Promise<MembershipChange> {
    return this.changeMembership(teamId, userId, current, { statement: REMOVE_MEMBER, params: [teamId, userId, current], requireRow: true }, events);
  }

  async inviterMayStillInvite(invitation: InvitationRecord): Promise<boolean> {
    return (await this.sql.rows(INVITER_MAY_STILL_INVITE, [invitation.id])).length > 0;
  }

  /** The change after the team's lock; when it found no row, why: not a member, another role by now, or the last owner. */
  private async changeMembership(teamId: string, userId: string, current: TeamRole, change: SqlStep, events: AuditRecords): Promise<MembershipChange> {
    const result = await this.sql.transaction([{ statement: LOCK_ACCOUNT, params: [teamId], requireRow: true }, change, ...eventSteps(events)]);
    if (result.committed) return 'changed';
    const [member] = await this.sql.rows<{ role: TeamRole }>(MEMBER_ROLE, [teamId, userId]);
    if (!member) return 'not-a-member';
    return member.role === current ? 'last-owner' : 'role-changed';
  }
}
