// The Activity view: the account's audit trail, newest first, a page at a time, filtered by event
// type, and exported as CSV or JSON (the events loaded so far). A leak is highlighted. Events
// recorded while the view is open arrive over the auditEvents subscription and go on top.
import { useRef, useState } from 'preact/hooks';
import { useQuery, useSubscription } from '@urql/preact';
import { graphql } from '../gql';
import type { ActivityEventFieldsFragment, AuditEventType } from '../gql/graphql';
import { csvText, downloadText } from '../csv';
import { describeError } from '../error-messages';

// One list of an event's fields for the pages and the live feed, so a live row and a loaded row are the same row.
graphql(`
  fragment ActivityEventFields on AuditEvent {
    id
    type
    actorType
    actorId
    tokenId
    clientAddress
    userAgent
    details
    createdAt
  }
`);

const ActivityEventsQuery = graphql(`
  query ActivityEvents($first: Int, $after: String, $types: [AuditEventType!]) {
    auditEventConnection(first: $first, after: $after, types: $types) {
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

/** Live events kept on screen above the loaded pages; older ones are in the pages after a reload. */
const MAX_LIVE_ROWS = 200;

type ActivityEvent = ActivityEventFieldsFragment;

const COLUMNS = ['createdAt', 'type', 'actorType', 'actorId', 'tokenId', 'clientAddress', 'userAgent', 'details'] as const;

export function toCsv(events: readonly ActivityEvent[]): string {
  return csvText([COLUMNS, ...events.map((event) => COLUMNS.map((column) => event[column]))]);
}

function EventRow({ event, live }: { event: ActivityEvent; live?: boolean }) {
  return (
    <tr class={event.type === 'TOKEN_LEAKED' ? 'leaked' : undefined} data-testid="activity-row" data-live={live ? 'true' : undefined}>
      <td data-label="When">{new Date(event.createdAt).toLocaleString()}</td>
      <td data-label="Event" data-testid="activity-type">{event.type}</td>
      <td data-label="By">{event.actorType}</td>
      <td data-label="From">{event.clientAddress ?? '—'}</td>
      <td data-label="Details" class="details">{event.details ?? ''}</td>
    </tr>
  );
}

function Page({
  after,
  types,
  onMore,
  collect,
  shownLive,
}: {
  after: string | null;
  types: AuditEventType[] | null;
  onMore: (cursor: string) => void;
  collect: (events: ActivityEvent[]) => void;
  /** Events already on screen as live rows: a page read after they arrived skips them. */
  shownLive: ReadonlySet<string>;
}) {
  const [{ data, error, fetching }] = useQuery({ query: ActivityEventsQuery, variables: { first: 50, after, types }, requestPolicy: 'cache-and-network' });
  if (error && !data) return <p class="error" role="alert">{describeError(error)}</p>;
  if (!data) return fetching ? <p class="muted" role="status">Loading activity…</p> : null;
  const events = data.auditEventConnection.edges.map((edge) => edge.node);
  const { hasNextPage, endCursor } = data.auditEventConnection.pageInfo;
  collect(events);
  return (
    <>
      {events.filter((event) => !shownLive.has(event.id)).map((event) => (
        <EventRow key={event.id} event={event} />
      ))}
      {hasNextPage && endCursor && (
        <tr>
          <td colSpan={5}>
            <button type="button" class="secondary" onClick={() => onMore(endCursor)}>
              Load more
            </button>
          </td>
        </tr>
      )}
    </>
  );
}

export function ActivityView() {
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [type, setType] = useState<AuditEventType | ''>('');
  // what the pages on screen have loaded, for the export
  const loaded = useRef(new Map<string, ActivityEvent>()).current;
  const collect = (events: ActivityEvent[]) => events.forEach((event) => loaded.set(event.id, event));
  const types = type ? [type] : null;
  // Newest first, like the pages. A new filter opens a new subscription; rows kept from the old one
  // are filtered here too, and the new filter's pages hold everything recorded before it.
  const [live] = useSubscription(
    { query: LiveActivitySubscription, variables: { types } },
    (previous: ActivityEvent[] = [], data) => {
      const event = data.auditEvents;
      if (previous.some((seen) => seen.id === event.id)) return previous;
      return [event, ...previous].slice(0, MAX_LIVE_ROWS);
    },
  );
  const liveEvents = (live.data ?? []).filter((event) => !types || types.includes(event.type));
  const shownLive = new Set(liveEvents.map((event) => event.id));
  collect(liveEvents);
  const exportAs = (format: 'csv' | 'json') => {
    const events = [...loaded.values()].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    if (format === 'csv') downloadText('pogodoc-activity.csv', 'text/csv', toCsv(events));
    else downloadText('pogodoc-activity.json', 'application/json', `${JSON.stringify(events, null, 2)}\n`);
  };
  return (
    <section class="card" aria-labelledby="activity-title">
      <div class="row" style={{ justifyContent: 'space-between', flexWrap: 'wrap' }}>
        <h2 id="activity-title">Activity</h2>
        <div class="row">
          <label>
            <span class="visually-hidden">Event type</span>
            <select
              value={type}
              onChange={(event) => {
                loaded.clear();
                setType((event.currentTarget as HTMLSelectElement).value as AuditEventType | '');
                setCursors([null]);
              }}
            >
              <option value="">All events</option>
              <option value="TOKEN_LEAKED">Leaks</option>
              <option value="REVOKED_TOKEN_PRESENTED">Revoked tokens used</option>
              <option value="TOKEN_GENERATED">Tokens generated</option>
              <option value="TOKEN_DELETED">Tokens deleted</option>
              <option value="SIGN_IN_FAILED">Failed sign-ins</option>
              <option value="QUOTA_REACHED">Quota reached</option>
            </select>
          </label>
          <button type="button" class="secondary" onClick={() => exportAs('csv')}>Export CSV</button>
          <button type="button" class="secondary" onClick={() => exportAs('json')}>Export JSON</button>
        </div>
      </div>
      <table class="tokens" data-testid="activity">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">By</th>
            <th scope="col">From</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody aria-live="polite">
          {liveEvents.map((event) => (
            <EventRow key={`live:${event.id}`} event={event} live />
          ))}
          {cursors.map((after, index) => (
            <Page
              key={`${type}:${after ?? 'first'}`}
              after={after}
              types={types}
              collect={collect}
              shownLive={shownLive}
              onMore={(cursor) => index === cursors.length - 1 && setCursors([...cursors, cursor])}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}
