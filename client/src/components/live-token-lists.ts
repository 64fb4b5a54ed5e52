// The token lists stay live (issue #25): a token made, rolled, renamed, restricted, disabled,
// enabled, deleted or expired elsewhere (another tab, a script, the API, the expiry sweep) moves in
// the page without a reload. The audit trail already carries every one of those changes, live and
// after its transaction committed (the auditEvents subscription), so the page listens to it rather
// than to a feed of its own, and reads both lists again, past the cache. Reading them again, rather
// than applying each event to the cache: an event names its token, not the row the list shows,
// and a read can never put a list into a state the server never had.
//
// The audit feed is written by the server's expiry sweep about once a minute; the page also reads
// the lists again when the soonest expiry of an active token comes, so an expired token leaves the
// Active tab on time (the sweep's event still covers a browser whose clock runs early).
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { Client } from '@urql/core';
import { useClient, useSubscription } from '@urql/preact';
import { graphql } from '../gql';
import { DELETED_PAGE_SIZE, DeletedTokensQuery, TokensQuery } from '../urql-client';

const TokenEventsSubscription = graphql(`
  subscription LiveTokenEvents {
    auditEvents(
      types: [
        TOKEN_GENERATED
        TOKEN_DELETED
        TOKEN_ROLLED
        TOKEN_RENAMED
        TOKEN_RESTRICTED
        TOKEN_EXPIRED
        TOKEN_DISABLED
        TOKEN_ENABLED
      ]
    ) {
      id
      type
      tokenId
    }
  }
`);

/** Events kept to compare with the last render: more than arrive between two renders. */
const RECENT_EVENTS = 20;
/** setTimeout's longest wait (about 24.8 days); an expiry further away is read on a later visit. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** After the expiry instant, so that the server's clock has passed it too. */
const AFTER_EXPIRY_MS = 1_000;

/**
 * Reads both lists again: the Active tab and the Deleted tab's first page (where a token just
 * deleted or expired appears; relayPagination merges it with the pages already shown). Calls that
 * come while a read is under way make one more read after it, not one each: a script that makes
 * ten tokens causes two reads, and the last one starts after the last change.
 */
function listReader(client: Client): () => void {
  const fresh = { requestPolicy: 'network-only' } as const;
  let running = false;
  let again = false;
  const readBoth = () =>
    Promise.all([
      client.query(TokensQuery, { status: 'ACTIVE' }, fresh).toPromise(),
      client.query(DeletedTokensQuery, { first: DELETED_PAGE_SIZE, after: null }, fresh).toPromise(),
    ]);
  const loop = async () => {
    running = true;
    try {
      do {
        again = false;
        // a failed read shows in the lists' own state (and the connection status); the next event reads again
        await readBoth().catch(() => undefined);
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => {
    if (running) again = true;
    else void loop();
  };
}

interface Options {
  /** The active tokens shown (for their expiry times). */
  active: ReadonlyArray<{ expiresAt?: string | null; status: string }> | undefined;
  /** While the session has expired: nothing to listen to until the next sign-in. */
  pause: boolean;
}

/** Keeps the Active and Deleted lists in step with changes made anywhere else. */
export function useLiveTokenLists({ active, pause }: Options): void {
  const client = useClient();
  const readLists = useMemo(() => listReader(client), [client]);

  // the recent events, newest first: events that arrive between two renders are each looked at
  const [live] = useSubscription({ query: TokenEventsSubscription, pause }, (previous: TokenEvent[] = [], data) =>
    [data.auditEvents, ...previous].slice(0, RECENT_EVENTS),
  );
  const handled = useRef<ReadonlySet<string>>(new Set());
  useEffect(() => {
    const recent = live.data ?? [];
    const unhandled = recent.filter((event) => !handled.current.has(event.id));
    handled.current = new Set(recent.map((event) => event.id));
    if (unhandled.some((event) => !alreadyShown(client, event))) readLists();
  }, [live.data, client, readLists]);

  const soonest = soonestExpiry(active);
  useEffect(() => {
    if (soonest === null || pause) return;
    const wait = Math.max(0, soonest - Date.now()) + AFTER_EXPIRY_MS;
    if (wait > MAX_TIMER_MS) return;
    const timer = setTimeout(readLists, wait);
    return () => clearTimeout(timer);
  }, [soonest, pause, readLists]);
}

interface TokenEvent {
  id: string;
  type: string;
  tokenId?: string | null;
}

/**
 * Whether the lists on screen already show what the event says: this page's own generate, delete,
 * disable and enable put their answers into the cache (urql-client.ts), and reading the lists again
 * for them would only repeat it. When unsure (a rename, a roll, lists not read yet, an event that
 * came before the mutation's own answer), the lists are read again.
 */
function alreadyShown(client: Client, event: TokenEvent): boolean {
  if (!event.tokenId) return false;
  const cacheOnly = { requestPolicy: 'cache-only' } as const;
  const active = client.readQuery(TokensQuery, { status: 'ACTIVE' }, cacheOnly)?.data?.tokens;
  if (!active) return false;
  const row = active.find((token) => token.id === event.tokenId);
  switch (event.type) {
    case 'TOKEN_GENERATED':
      return Boolean(row);
    case 'TOKEN_DISABLED':
      return Boolean(row?.disabledAt);
    case 'TOKEN_ENABLED':
      return Boolean(row) && !row!.disabledAt;
    case 'TOKEN_DELETED':
    case 'TOKEN_EXPIRED': {
      if (row) return false;
      const deleted = client.readQuery(DeletedTokensQuery, { first: DELETED_PAGE_SIZE, after: null }, cacheOnly)?.data?.tokenConnection;
      return Boolean(deleted?.edges.some((edge) => edge.node.id === event.tokenId));
    }
    default:
      return false;
  }
}

function soonestExpiry(tokens: Options['active']): number | null {
  let soonest: number | null = null;
  for (const token of tokens ?? []) {
    if (token.status !== 'ACTIVE' || !token.expiresAt) continue;
    const at = Date.parse(token.expiresAt);
    if (soonest === null || at < soonest) soonest = at;
  }
  return soonest;
}
