// Teams: the teams a person is in, the team a request works in (the Pogodoc-Team header), its
// members and invitations. Sessions only: people manage people, and no API token scope reaches
// here. The roles' rules are the domain's (domain/teams.ts); these fields only carry them.
import { TEAM_ROLES, type InvitationRecord, type MemberRecord, type TeamAccess, type TeamRole } from '../../domain/teams.js';
import { actorOf } from '../audit-actor.js';
import { builder } from '../builder.js';
import { AccountType } from './account.js';

export const TeamRoleEnum = builder.enumType('TeamRole', {
  description: 'A member’s role in a team. Nobody gives anyone a role above their own, and a team always keeps an owner.',
  values: Object.fromEntries(Object.entries(TEAM_ROLES).map(([name, description]) => [name, { description }])) as Record<TeamRole, { description: string }>,
});

// What the list of teams shows of each: enough to choose one, nothing of its data. The team's
// tokens, usage and plan are read by working in it, where the membership and its rules are checked.
const TeamSummaryType = builder.objectRef<TeamAccess['team']>('TeamSummary').implement({
  description: 'A team as the list of your teams shows it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { nullable: true, description: 'A team’s name; null for a personal team.' }),
    email: t.exposeString('email', { nullable: true, description: 'The e-mail of a personal team.' }),
    personal: t.boolean({ resolve: (team) => team.email !== null }),
    twoFactorRequired: t.boolean({ description: 'Whether it admits only members who sign in with two-factor.', resolve: (team) => team.twoFactorRequiredAt !== null }),
  }),
});

const TeamMembershipType = builder.objectRef<TeamAccess>('TeamMembership').implement({
  description: 'A team you are in, and your role there. Send its id as the Pogodoc-Team header to work in it.',
  fields: (t) => ({
    team: t.field({ type: TeamSummaryType, resolve: (access) => access.team }),
    role: t.field({ type: TeamRoleEnum, resolve: (access) => access.role }),
  }),
});

const TeamMemberType = builder.objectRef<MemberRecord>('TeamMember').implement({
  description: 'A person in the team.',
  fields: (t) => ({
    userId: t.id({ resolve: (member) => member.user.id }),
    email: t.string({ nullable: true, resolve: (member) => member.user.email }),
    role: t.field({ type: TeamRoleEnum, resolve: (member) => member.role }),
    joinedAt: t.expose('joinedAt', { type: 'DateTime' }),
  }),
});

const InvitationType = builder.objectRef<InvitationRecord>('Invitation').implement({
  description: 'An invitation to the team, pending until it is accepted, revoked, or 7 days old. Its link is shown once, to whoever invited.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    role: t.field({ type: TeamRoleEnum, resolve: (invitation) => invitation.role }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const NewInvitationType = builder.objectRef<{ invitation: InvitationRecord; secret: string }>('NewInvitation').implement({
  description: 'A new invitation and its secret, shown this once.',
  fields: (t) => ({
    invitation: t.field({ type: InvitationType, resolve: (created) => created.invitation }),
    secret: t.exposeString('secret', {
      description: 'The invitation’s secret: whoever signs in and sends it to acceptInvitation joins the team. The dashboard link is /#invitation=<secret>. Only its hash is kept.',
    }),
  }),
});

builder.queryFields((t) => ({
  teams: t.field({
    type: [TeamMembershipType],
    description: 'The teams you are in, your personal team first.',
    resolve: async (_root, _args, ctx) => ctx.services.teams.teamsOf((await ctx.viewerSession()).account),
  }),
  teamRole: t.field({
    type: TeamRoleEnum,
    description: 'Your role in the team this request works in.',
    resolve: async (_root, _args, ctx) => (await ctx.teamAccess()).role,
  }),
  teamMembers: t.field({
    type: [TeamMemberType],
    description: 'The members of the team this request works in, longest-standing first.',
    resolve: async (_root, _args, ctx) => ctx.services.teams.members((await ctx.teamAccess()).team),
  }),
  teamInvitations: t.field({
    type: [InvitationType],
    description: 'The pending invitations of the team this request works in, newest first.',
    resolve: async (_root, _args, ctx) => ctx.services.teams.pendingInvitations(await ctx.teamAccess()),
  }),
}));

builder.mutationFields((t) => ({
  createTeam: t.field({
    type: AccountType,
    description: 'Creates a team with you as its owner. It has no plan yet: work in it (the Pogodoc-Team header) and choose one.',
    args: { name: t.arg.string() },
    resolve: async (_root, { name }, ctx) => ctx.services.teams.create((await ctx.viewerSession()).account, name, await actorOf(ctx)),
  }),
  inviteMember: t.field({
    type: NewInvitationType,
    description: 'Invites an e-mail address to the team with a role no higher than yours (admins and owners).',
    args: { email: t.arg.string(), role: t.arg({ type: TeamRoleEnum }) },
    resolve: async (_root, { email, role }, ctx) => ctx.services.teams.invite(await ctx.teamAccess(), email, role, await actorOf(ctx), (await ctx.viewerSession()).account),
  }),
  revokeInvitation: t.boolean({
    description: 'Revokes a pending invitation: its link stops working at once.',
    args: { id: t.arg.id() },
    resolve: async (_root, { id }, ctx) => {
      await ctx.services.teams.revokeInvitation(await ctx.teamAccess(), String(id), await actorOf(ctx));
      return true;
    },
  }),
  acceptInvitation: t.field({
    type: TeamMembershipType,
    description: 'Joins the team of an invitation, signed in as yourself. Each link works once, for 7 days, until revoked.',
    args: { secret: t.arg.string() },
    resolve: async (_root, { secret }, ctx) => ctx.services.teams.accept((await ctx.viewerSession()).account, secret, await actorOf(ctx)),
  }),
  changeMemberRole: t.field({
    type: TeamMemberType,
    description: 'Changes a member’s role: admins for members below owner, owners for anyone; never above your own role.',
    args: { userId: t.arg.id(), role: t.arg({ type: TeamRoleEnum }) },
    resolve: async (_root, { userId, role }, ctx) => ctx.services.teams.changeRole(await ctx.teamAccess(), String(userId), role, await actorOf(ctx)),
  }),
  removeMember: t.boolean({
    description: 'Removes a member: their next request to the team is refused, and their live views of it end at once.',
    args: { userId: t.arg.id() },
    resolve: async (_root, { userId }, ctx) => {
      await ctx.services.teams.remove(await ctx.teamAccess(), String(userId), await actorOf(ctx));
      return true;
    },
  }),
  requireTwoFactor: t.field({
    type: AccountType,
    description: 'Requires two-factor sign-in of every member of the team this request works in, or stops requiring it (owners, who must have it on). A member without it is refused (TEAM_TWO_FACTOR_REQUIRED) until they turn it on.',
    args: { required: t.arg.boolean() },
    resolve: async (_root, { required }, ctx) => {
      const access = await ctx.teamAccess();
      return ctx.services.teams.setTwoFactorRequired(access, (await ctx.viewerSession()).account, required, await actorOf(ctx));
    },
  }),
  deleteTeam: t.boolean({
    description: 'Deletes the team this request works in, for good, with its tokens (they stop at once), usage, invitations and webhooks. Owners only; type its name to confirm. A personal team cannot be deleted.',
    args: { name: t.arg.string({ description: 'The team’s name, as a confirmation.' }) },
    resolve: async (_root, { name }, ctx) => {
      await ctx.services.teams.deleteTeam(await ctx.teamAccess(), name, await actorOf(ctx));
      return true;
    },
  }),
  leaveTeam: t.boolean({
    description: 'Leaves a team (whatever its rules ask of you). Its last owner cannot: make another member an owner first.',
    args: { teamId: t.arg.id() },
    resolve: async (_root, { teamId }, ctx) => {
      await ctx.services.teams.leave((await ctx.viewerSession()).account, String(teamId), await actorOf(ctx));
      return true;
    },
  }),
}));
