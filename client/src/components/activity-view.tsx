// The Activity view: the team's audit trail, newest first, a page at a time, each event as a
// sentence with names ("ana@example.com deleted the token “Nightly export” from 203.0.113.7"), its
// raw facts behind a disclosure. Filters by event, token, member and days, kept in the address
// (activity-filter.ts), so a reload and the back button keep them. The export is the server's
// (/activity/export.csv): every event of the filter, not only the rows loaded here. Events
// recorded while the view is open arrive over the auditEvents subscription and go on top.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useQuery, useSubscription } from '@urql/preact';
import { graphql } from '../gql';
import type { ActivityEventFieldsFragment } from '../gql/graphql';
import { describeError } from '../error-messages';
import { describeEvent, EVENT_GROUPS, eventLabel, type SentenceContext } from '../activity-sentences';
import {
  exportHref,
  filterFromUrl,
  isFiltered,
  matchesFilter,
  NO_FILTER,
  rangeIsBackwards,
  sameFilter,
  urlWithFilter,
  variablesOf,
  type ActivityFilter,
  type ActivityVariables,
} from '../activity-filter';
import { formatDateTime } from './relative-time';
import './activity.css';

// One list of an event's fields for the pages and the live feed, so a live row and a loaded row are the same row.
graphql(`
  fragment ActivityEventFields on AuditEvent {
    id
    type
    actorType
    actorId
    actorUserId
    actorEmail
    tokenId
    token {
      id
      name
    }
    clientAddress
    userAgent
    details
    createdAt
  }
`);

const ActivityEventsQuery = graphql(`
  query ActivityEvents($first: Int, $after: String, $types: [AuditEventType!], $tokenId: ID, $actorUserId: ID, $from: DateTime, $to: DateTime) {
    auditEventConnection(first: $first, after: $after, types: $types, tokenId: $tokenId, actorUserId: $actorUserId, from: $from, to: $to) {
      edges {
        node {
          ...ActivityEventFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const LiveActivitySubscription = graphql(`
  subscription LiveActivity($types: [AuditEventType!]) {
    auditEvents(types: $types) {
      ...ActivityEventFields
    }
  }
`);

/** What the filters offer and the sentences name: the team, the plans, the tokens (active and deleted). */
const ActivityChoicesQuery = graphql(`
  query ActivityChoices {
    viewer {
      id
      name
      personal
    }
    plans {
      id
      name
    }
    activeTokens: tokens(status: ACTIVE) {
      id
      name
    }
    deletedTokens: tokens(status: DELETED) {
      id
      name
    }
  }
`);

const ActivityMembersQuery = graphql(`
  query ActivityMembers {
    teamMembers {
      userId
      email
      role
    }
  }
`);

/** A token the address names that the lists do not hold (older than the 100 newest deleted ones). */
const ActivityTokenQuery = graphql(`
  query ActivityToken($id: ID!) {
    token(id: $id) {
      id
      name
    }
  }
`);

const PAGE_SIZE = 50;
/** Live events kept on screen above the loaded pages; older ones are in the pages after a reload. */
const MAX_LIVE_ROWS = 200;

type ActivityEvent = ActivityEventFieldsFragment;

/** The filter in the address: changed by the form (a new history entry each), followed on back and forward. */
function useAddressFilter(): [ActivityFilter, (next: ActivityFilter, replace?: boolean) => void] {
  const [filter, setFilter] = useState<ActivityFilter>(() => filterFromUrl());
  useEffect(() => {
    const onPopState = () => {
      const next = filterFromUrl();
      setFilter((current) => (sameFilter(current, next) ? current : next));
    };
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);
  const change = (next: ActivityFilter, replace = false) => {
    const url = urlWithFilter(next);
    if (url !== window.location.href) {
      // the state object is kept: it may be another view's
      if (replace) window.history.replaceState(window.history.state, '', url);
      else window.history.pushState(window.history.state, '', url);
    }
    setFilter(next);
  };
  return [filter, change];
}

function RawFacts({ event }: { event: ActivityEvent }) {
  let details = event.details;
  try {
    if (details) details = JSON.stringify(JSON.parse(details), null, 2);
  } catch {
    // not JSON: shown as it is
  }
  const facts: Array<[string, string | null | undefined]> = [
    ['Event', `${eventLabel(event.type)} (${event.type})`],
    ['Actor', [event.actorType, event.actorEmail, event.actorId].filter(Boolean).join(' · ')],
    ['Token', event.tokenId ? `${event.token?.name ?? 'unknown'} (${event.tokenId})` : null],
    ['Address', event.clientAddress],
    ['User agent', event.userAgent],
    ['Time', event.createdAt],
  ];
  return (
    <details class="activity-raw">
      <summary>
        Details<span class="visually-hidden"> of this event</span>
      </summary>
      <dl>
        {facts
          .filter(([, value]) => value)
          .map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        {details && (
          <div>
            <dt>Facts</dt>
            <dd>
              <pre>{details}</pre>
            </dd>
          </div>
        )}
      </dl>
    </details>
  );
}

function EventRow({ event, live, names }: { event: ActivityEvent; live?: boolean; names: SentenceContext }) {
  return (
    <tr
      class={event.type === 'TOKEN_LEAKED' ? 'leaked' : undefined}
      data-testid="activity-row"
      data-event-id={event.id}
      data-event-type={event.type}
      data-live={live ? 'true' : undefined}
    >
      <td data-label="When" class="activity-when">
        <time dateTime={event.createdAt}>{formatDateTime(event.createdAt)}</time>
      </td>
      <td class="activity-what">
        <p class="activity-sentence" data-testid="activity-sentence">
          {describeEvent(event, names)}
        </p>
        <RawFacts event={event} />
      </td>
    </tr>
  );
}

function MessageRow({ children, role }: { children: ComponentChildren; role?: 'status' | 'alert' }) {
  return (
    <tr>
      <td colSpan={2} class="empty">
        <span role={role}>{children}</span>
      </td>
    </tr>
  );
}

function Page({
  after,
  variables,
  names,
  first,
  filtered,
  onMore,
  shownLive,
}: {
  after: string | null;
  variables: ActivityVariables;
  names: SentenceContext;
  /** The first page: it says when there is nothing at all. */
  first: boolean;
  filtered: boolean;
  onMore: (cursor: string) => void;
  /** Events already on screen as live rows: a page read after they arrived skips them. */
  shownLive: ReadonlySet<string>;
}) {
  const [{ data, error, fetching }] = useQuery({
    query: ActivityEventsQuery,
    variables: { first: PAGE_SIZE, after, ...variables },
    requestPolicy: 'cache-and-network',
  });
  if (error && !data) return <MessageRow role="alert">{describeError(error)}</MessageRow>;
  if (!data) return fetching ? <MessageRow role="status">Loading activity…</MessageRow> : null;
  const events = data.auditEventConnection.edges.map((edge) => edge.node);
  const { hasNextPage, endCursor } = data.auditEventConnection.pageInfo;
  const shown = events.filter((event) => !shownLive.has(event.id));
  return (
    <>
      {first && events.length === 0 && shownLive.size === 0 && (
        <MessageRow>{filtered ? 'No activity matches these filters.' : 'No activity yet.'}</MessageRow>
      )}
      {shown.map((event) => (
        <EventRow key={event.id} event={event} names={names} />
      ))}
      {hasNextPage && endCursor && (
        <tr>
          <td colSpan={2}>
            <button type="button" class="secondary" onClick={() => onMore(endCursor)}>
              Load more
            </button>
          </td>
        </tr>
      )}
    </>
  );
}

/** The events of one filter: a new filter is a new list (its own pages and live subscription). */
function ActivityList({ variables, filtered, names }: { variables: ActivityVariables; filtered: boolean; names: SentenceContext }) {
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  // Newest first, like the pages. The subscription filters by type only: the rest of the filter
  // is applied here, and the pages hold everything recorded before the list opened.
  const [live] = useSubscription(
    { query: LiveActivitySubscription, variables: { types: variables.types } },
    (previous: ActivityEvent[] = [], data) => {
      const event = data.auditEvents;
      if (previous.some((seen) => seen.id === event.id)) return previous;
      return [event, ...previous].slice(0, MAX_LIVE_ROWS);
    },
  );
  const liveEvents = (live.data ?? []).filter((event) => matchesFilter(event, variables));
  const shownLive = new Set(liveEvents.map((event) => event.id));
  return (
    <tbody aria-live="polite">
      {liveEvents.map((event) => (
        <EventRow key={`live:${event.id}`} event={event} names={names} live />
      ))}
      {cursors.map((after, index) => (
        <Page
          key={after ?? 'first'}
          after={after}
          first={index === 0}
          filtered={filtered}
          variables={variables}
          names={names}
          shownLive={shownLive}
          onMore={(cursor) => index === cursors.length - 1 && setCursors([...cursors, cursor])}
        />
      ))}
    </tbody>
  );
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

export function ActivityView() {
  const [filter, setFilter] = useAddressFilter();
  const [{ data: choices }] = useQuery({ query: ActivityChoicesQuery });
  const viewer = choices?.viewer;
  const inTeam = viewer ? !viewer.personal : false;
  const [{ data: membersData }] = useQuery({ query: ActivityMembersQuery, pause: !inTeam && !filter.memberId });
  const activeTokens = choices?.activeTokens ?? [];
  const deletedTokens = choices?.deletedTokens ?? [];
  const listed = filter.tokenId && [...activeTokens, ...deletedTokens].some((token) => token.id === filter.tokenId);
  const [{ data: chosenToken }] = useQuery({ query: ActivityTokenQuery, variables: { id: filter.tokenId }, pause: !filter.tokenId || !choices || Boolean(listed) });

  // another team: its tokens and people are not this one's, so those two filters start afresh
  const shownTeam = useRef<string | null>(null);
  useEffect(() => {
    if (!viewer) return;
    if (shownTeam.current && shownTeam.current !== viewer.id && (filter.tokenId || filter.memberId)) {
      setFilter({ ...filter, tokenId: '', memberId: '' }, true);
    }
    shownTeam.current = viewer.id;
  }, [viewer?.id]);

  const names = useMemo<SentenceContext>(() => {
    const plans = new Map((choices?.plans ?? []).map((plan) => [plan.id, plan.name]));
    const tokens = new Map([...activeTokens, ...deletedTokens].map((token) => [token.id, token.name]));
    return {
      teamLabel: viewer && !viewer.personal ? (viewer.name ?? 'The team') : 'Your account',
      planName: (id) => plans.get(id) ?? id.charAt(0).toUpperCase() + id.slice(1),
      tokenName: (id) => tokens.get(id) ?? null,
    };
  }, [choices]);

  const variables = useMemo(() => variablesOf(filter), [filter]);
  const members = membersData?.teamMembers ?? [];
  const showMembers = inTeam || Boolean(filter.memberId);
  const filtered = isFiltered(filter);
  const backwards = rangeIsBackwards(filter);
  const change = (key: keyof ActivityFilter) => (event: Event) => setFilter({ ...filter, [key]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  const href = exportHref(variables, viewer && !viewer.personal ? viewer.id : null);

  return (
    <section class="card activity" aria-labelledby="activity-title">
      <div class="activity-header">
        <h2 id="activity-title">Activity</h2>
        <a class="activity-export" href={href} download aria-describedby="activity-export-note">
          Export CSV
        </a>
      </div>
      <p class="muted activity-note" id="activity-export-note">
        The export holds every event that matches the filters, not only the rows loaded below.
      </p>
      <form class="activity-filters" role="search" aria-label="Filter activity" onSubmit={(event) => event.preventDefault()}>
        <div class="activity-field">
          <label for="activity-event">Event</label>
          <select id="activity-event" value={filter.event} onChange={change('event')}>
            <option value="">All events</option>
            {EVENT_GROUPS.map((group) => (
              <optgroup key={group.id} label={group.label}>
                <option value={group.id}>All: {group.label.toLowerCase()}</option>
                {group.types.map((type) => (
                  <option key={type} value={type}>
                    {eventLabel(type)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        <div class="activity-field">
          <label for="activity-token">Token</label>
          <select id="activity-token" value={filter.tokenId} onChange={change('tokenId')}>
            <option value="">All tokens</option>
            {filter.tokenId && !listed && (
              <option value={filter.tokenId}>{chosenToken?.token.name ?? 'The chosen token'}</option>
            )}
            {activeTokens.length > 0 && (
              <optgroup label="Active">
                {[...activeTokens].sort(byName).map((token) => (
                  <option key={token.id} value={token.id}>
                    {token.name}
                  </option>
                ))}
              </optgroup>
            )}
            {deletedTokens.length > 0 && (
              <optgroup label="Deleted">
                {[...deletedTokens].sort(byName).map((token) => (
                  <option key={token.id} value={token.id}>
                    {token.name}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </div>
        {showMembers && (
          <div class="activity-field">
            <label for="activity-member">Member</label>
            <select id="activity-member" value={filter.memberId} onChange={change('memberId')}>
              <option value="">Everyone</option>
              {filter.memberId && !members.some((member) => member.userId === filter.memberId) && (
                <option value={filter.memberId}>A former member</option>
              )}
              {members.map((member) => (
                <option key={member.userId} value={member.userId}>
                  {member.email ?? member.userId}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="activity-field">
          <label for="activity-from">From</label>
          <input id="activity-from" type="date" value={filter.from} max={filter.to || undefined} onChange={change('from')} aria-invalid={backwards || undefined} />
        </div>
        <div class="activity-field">
          <label for="activity-to">To</label>
          <input id="activity-to" type="date" value={filter.to} min={filter.from || undefined} onChange={change('to')} aria-invalid={backwards || undefined} />
        </div>
        {filtered && (
          <button type="button" class="secondary" onClick={() => setFilter(NO_FILTER)}>
            Clear filters
          </button>
        )}
      </form>
      {backwards && (
        <p class="error" role="alert">
          The first day is after the last one: no event can match. Change one of the dates.
        </p>
      )}
      <table class="tokens activity-table" data-testid="activity">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What happened</th>
          </tr>
        </thead>
        <ActivityList key={JSON.stringify(variables)} variables={variables} filtered={filtered} names={names} />
      </table>
    </section>
  );
}
