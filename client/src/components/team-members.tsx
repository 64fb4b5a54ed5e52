// The team's people: its members and their roles, pending invitations, inviting with a link shown
// once, changing roles, removing, leaving, and the owners' two-factor rule; and making a new team.
// What a role may do is decided by the server; the page offers only what the role allows, and
// shows the server's reason when it refuses.
import { useState } from 'preact/hooks';
import { useMutation, useQuery } from '@urql/preact';
import type { CombinedError } from '@urql/core';
import { graphql } from '../gql';
import type { TeamRole } from '../gql/graphql';
import { describeError } from '../error-messages';
import { CopySnippet } from './copy-snippet';
import { RelativeTime } from './relative-time';
import { ROLE_NAMES } from './team-switcher';

const TeamSectionQuery = graphql(`
  query TeamSection {
    viewer {
      id
      name
      personal
      twoFactorRequired
    }
    me {
      id
    }
    teamRole
    teamMembers {
      userId
      email
      role
      joinedAt
    }
    teamInvitations {
      id
      email
      role
      expiresAt
    }
  }
`);

const CreateTeamMutation = graphql(`
  mutation CreateTeam($name: String!) {
    createTeam(name: $name) {
      id
    }
  }
`);

const InviteMutation = graphql(`
  mutation InviteMember($email: String!, $role: TeamRole!) {
    inviteMember(email: $email, role: $role) {
      secret
      invitation {
        id
        email
      }
    }
  }
`);

const RevokeInvitationMutation = graphql(`
  mutation RevokeInvitation($id: ID!) {
    revokeInvitation(id: $id)
  }
`);

const ChangeRoleMutation = graphql(`
  mutation ChangeMemberRole($userId: ID!, $role: TeamRole!) {
    changeMemberRole(userId: $userId, role: $role) {
      userId
      role
    }
  }
`);

const RemoveMemberMutation = graphql(`
  mutation RemoveMember($userId: ID!) {
    removeMember(userId: $userId)
  }
`);

const LeaveTeamMutation = graphql(`
  mutation LeaveTeam($teamId: ID!) {
    leaveTeam(teamId: $teamId)
  }
`);

const RequireTwoFactorMutation = graphql(`
  mutation RequireTwoFactor($required: Boolean!) {
    requireTwoFactor(required: $required) {
      id
      twoFactorRequired
    }
  }
`);

const DeleteTeamMutation = graphql(`
  mutation DeleteTeam($name: String!) {
    deleteTeam(name: $name)
  }
`);

const ROLES: TeamRole[] = ['OWNER', 'ADMIN', 'DEVELOPER', 'VIEWER'];
const RANK = { VIEWER: 0, DEVELOPER: 1, ADMIN: 2, OWNER: 3 } as const satisfies Record<TeamRole, number>;

interface Props {
  /** Switches the page to a team (null: the personal team): after creating one, or leaving one. */
  onSelectTeam(teamId: string | null): void;
}

export function TeamMembers({ onSelectTeam }: Props) {
  const [{ data, error }, refetch] = useQuery({ query: TeamSectionQuery, requestPolicy: 'cache-and-network' });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const [actionError, setActionError] = useState<CombinedError | null>(null);
  /** Runs a change and reloads the section; keeps the server's reason when it is refused. */
  const act = async (change: () => Promise<{ error?: CombinedError }>) => {
    const result = await change();
    setActionError(result.error ?? null);
    if (!result.error) reload();
    return !result.error;
  };

  const team = data?.viewer;
  const role = data?.teamRole;
  return (
    <section class="card team" aria-labelledby="team-title">
      <h2 id="team-title">Team</h2>
      {error && <p class="error" role="alert">{describeError(error)}</p>}
      {actionError && <p class="error" role="alert">{describeError(actionError)}</p>}
      {team && role && data && (
        <>
          {team.personal ? (
            <p class="muted">This is your personal team: only you are in it. Create a team to share tokens with others, each with a role.</p>
          ) : (
            <>
              <Members
                members={data.teamMembers}
                meId={data.me.id}
                role={role}
                act={act}
                onLeft={() => onSelectTeam(null)}
                teamId={team.id}
              />
              {RANK[role] >= RANK.ADMIN && <Invitations invitations={data.teamInvitations} role={role} act={act} />}
              {role === 'OWNER' && <TwoFactorRule required={team.twoFactorRequired} act={act} />}
              {role === 'OWNER' && <DeleteTeam name={team.name ?? ''} act={act} onDeleted={() => onSelectTeam(null)} />}
            </>
          )}
          <CreateTeam act={act} onCreated={onSelectTeam} />
        </>
      )}
    </section>
  );
}

type Act = (change: () => Promise<{ error?: CombinedError }>) => Promise<boolean>;

function Members(props: {
  members: Array<{ userId: string; email?: string | null; role: TeamRole; joinedAt: string }>;
  meId: string;
  role: TeamRole;
  teamId: string;
  act: Act;
  onLeft(): void;
}) {
  const { members, meId, role, teamId, act, onLeft } = props;
  const [, changeRole] = useMutation(ChangeRoleMutation);
  const [, remove] = useMutation(RemoveMemberMutation);
  const [, leave] = useMutation(LeaveTeamMutation);
  // admins manage members below owner, owners everyone; nobody gives a role above their own
  const mayManage = (memberRole: TeamRole) => RANK[role] >= RANK.ADMIN && (memberRole !== 'OWNER' || role === 'OWNER');
  const givable = ROLES.filter((candidate) => RANK[candidate] <= RANK[role]);
  return (
    <>
      <h3>Members</h3>
      <table class="members">
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Role</th>
            <th scope="col">Joined</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {members.map((member) => {
            const self = member.userId === meId;
            const label = member.email ?? member.userId;
            return (
              <tr key={member.userId}>
                <td>
                  {label}
                  {self && <span class="muted"> (you)</span>}
                </td>
                <td>
                  {!self && mayManage(member.role) ? (
                    <select
                      aria-label={`Role of ${label}`}
                      value={member.role}
                      onChange={(event) => void act(() => changeRole({ userId: member.userId, role: event.currentTarget.value as TeamRole }))}
                    >
                      {givable.map((candidate) => (
                        <option key={candidate} value={candidate}>
                          {ROLE_NAMES[candidate]}
                        </option>
                      ))}
                    </select>
                  ) : (
                    ROLE_NAMES[member.role]
                  )}
                </td>
                <td>
                  <RelativeTime iso={member.joinedAt} />
                </td>
                <td>
                  {self ? (
                    <button type="button" class="secondary" onClick={() => void act(() => leave({ teamId })).then((left) => left && onLeft())}>
                      Leave team
                    </button>
                  ) : (
                    mayManage(member.role) && (
                      <button type="button" class="danger" onClick={() => void act(() => remove({ userId: member.userId }))}>
                        Remove {label}
                      </button>
                    )
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

function Invitations({ invitations, role, act }: { invitations: Array<{ id: string; email: string; role: TeamRole; expiresAt: string }>; role: TeamRole; act: Act }) {
  const [, invite] = useMutation(InviteMutation);
  const [, revoke] = useMutation(RevokeInvitationMutation);
  const [email, setEmail] = useState('');
  const [inviteRole, setInviteRole] = useState<TeamRole>('DEVELOPER');
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    let created: { secret: string; invitation: { email: string } } | undefined;
    const ok = await act(async () => {
      const result = await invite({ email, role: inviteRole });
      created = result.data?.inviteMember;
      return result;
    });
    if (ok && created) {
      setLink({ email: created.invitation.email, url: `${window.location.origin}/#invitation=${created.secret}` });
      setEmail('');
    }
  };
  return (
    <>
      <h3>Invite someone</h3>
      <form class="invite" onSubmit={submit}>
        <label>
          Email
          <input type="email" name="inviteEmail" required value={email} onInput={(event) => setEmail(event.currentTarget.value)} />
        </label>
        <label>
          Role
          <select name="inviteRole" value={inviteRole} onChange={(event) => setInviteRole(event.currentTarget.value as TeamRole)}>
            {ROLES.filter((candidate) => RANK[candidate] <= RANK[role]).map((candidate) => (
              <option key={candidate} value={candidate}>
                {ROLE_NAMES[candidate]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Invite</button>
      </form>
      {link && (
        <div class="invitation-link" role="region" aria-label="Invitation link">
          <p>
            Send this link to <strong>{link.email}</strong>. It works once, for 7 days, and is shown only now.
          </p>
          <CopySnippet label="Invitation link" code={link.url} testId="invitation-link" />
          <button type="button" class="secondary" onClick={() => setLink(null)}>
            Done
          </button>
        </div>
      )}
      {invitations.length > 0 && (
        <>
          <h3>Pending invitations</h3>
          <ul class="invitations">
            {invitations.map((invitation) => (
              <li key={invitation.id}>
                {invitation.email} · {ROLE_NAMES[invitation.role]} · expires <RelativeTime iso={invitation.expiresAt} />{' '}
                <button type="button" class="secondary" onClick={() => void act(() => revoke({ id: invitation.id }))}>
                  Revoke invitation for {invitation.email}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function TwoFactorRule({ required, act }: { required: boolean; act: Act }) {
  const [, setRequired] = useMutation(RequireTwoFactorMutation);
  return (
    <label class="two-factor-rule">
      <input type="checkbox" checked={required} onChange={(event) => void act(() => setRequired({ required: event.currentTarget.checked }))} />
      Require two-factor sign-in of every member
    </label>
  );
}

function CreateTeam({ act, onCreated }: { act: Act; onCreated(teamId: string): void }) {
  const [, create] = useMutation(CreateTeamMutation);
  const [name, setName] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    let teamId: string | undefined;
    const ok = await act(async () => {
      const result = await create({ name });
      teamId = result.data?.createTeam.id;
      return result;
    });
    if (ok && teamId) {
      setName('');
      onCreated(teamId);
    }
  };
  return (
    <form class="create-team" onSubmit={submit}>
      <label>
        New team name
        <input name="teamName" required maxLength={40} value={name} onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <button type="submit" class="secondary">
        Create team
      </button>
    </form>
  );
}

function DeleteTeam({ name, act, onDeleted }: { name: string; act: Act; onDeleted(): void }) {
  const [, remove] = useMutation(DeleteTeamMutation);
  const [typed, setTyped] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    if (await act(() => remove({ name: typed }))) onDeleted();
  };
  return (
    <form class="delete-team" onSubmit={submit}>
      <h3>Delete this team</h3>
      <p class="muted">Its tokens stop at once, and its usage, invitations and webhooks go with it. This cannot be undone.</p>
      <label>
        Type {name} to confirm
        <input name="confirmTeamName" autoComplete="off" value={typed} onInput={(event) => setTyped(event.currentTarget.value)} />
      </label>
      <button type="submit" class="danger" disabled={typed !== name}>
        Delete team
      </button>
    </form>
  );
}
