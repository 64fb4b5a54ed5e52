// The team the page works in: every query, mutation and live view follows it (the Pogodoc-Team
// header, and `team` in the WebSocket's connection_init). The choice is kept in this browser.
import { useQuery } from '@urql/preact';
import { graphql } from '../gql';
import type { TeamRole } from '../gql/graphql';

export const TeamsQuery = graphql(`
  query Teams {
    teams {
      role
      team {
        id
        name
        email
        personal
      }
    }
  }
`);

const STORED_TEAM = 'pogodoc.team';

/** The team this browser worked in last; null: the personal team. */
export function storedTeam(): string | null {
  try {
    return window.localStorage.getItem(STORED_TEAM);
  } catch {
    return null;
  }
}

export function storeTeam(teamId: string | null): void {
  try {
    if (teamId) window.localStorage.setItem(STORED_TEAM, teamId);
    else window.localStorage.removeItem(STORED_TEAM);
  } catch {
    // storage refused (private mode): the choice lasts this page
  }
}

export const ROLE_NAMES: Record<TeamRole, string> = { OWNER: 'Owner', ADMIN: 'Admin', DEVELOPER: 'Developer', VIEWER: 'Viewer' };

export function teamLabel(team: { name?: string | null; email?: string | null; personal: boolean }): string {
  return team.personal ? `Personal (${team.email ?? ''})` : (team.name ?? '');
}

export function TeamSwitcher({ teamId, onSelect }: { teamId: string | null; onSelect(teamId: string | null): void }) {
  const [{ data }] = useQuery({ query: TeamsQuery });
  const teams = data?.teams ?? [];
  const personalId = teams.find((entry) => entry.team.personal)?.team.id;
  if (teams.length === 0) return null;
  return (
    <label class="team-switcher">
      <span>Team</span>
      <select
        value={teamId ?? personalId}
        onChange={(event) => {
          const chosen = event.currentTarget.value;
          onSelect(chosen === personalId ? null : chosen);
        }}
      >
        {teams.map(({ team, role }) => (
          <option key={team.id} value={team.id}>
            {teamLabel(team)} · {ROLE_NAMES[role]}
          </option>
        ))}
      </select>
    </label>
  );
}
