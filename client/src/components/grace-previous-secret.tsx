// The previous secret during a roll's grace period, in the token's details: until when it works,
// and who still sends it (its documents since the roll, and where the last one came from), so that
// whatever still uses it can be found and moved before it stops.
//
// It moves live, with no feed of its own: a document made with either secret moves the token's
// live document count (the documentCount subscription, written into the token by graphcache), and
// each move, at most once a second, reads the previous secret's use again. The answer lands in the
// same cached token, so the details show it without a reload.
import { useEffect, useRef } from 'preact/hooks';
import { useClient } from '@urql/preact';
import { graphql } from '../gql';
import { formatDateTime, relativeTime } from './relative-time';

const PreviousSecretUseQuery = graphql(`
  query PreviousSecretUse($id: ID!) {
    token(id: $id) {
      id
      previousSecretWorksUntil
      previousSecretUse {
        documentCount
        lastUsedAt
        lastUsedAddress
        lastUsedUserAgent
      }
    }
  }
`);

/** At most one read a second, however fast the documents come. */
const READ_AT_MOST_EVERY_MS = 1_000;
/** setTimeout's longest wait; a grace period ending later is read again on a later visit. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** After the deadline, so that the server's clock has passed it too. */
const AFTER_DEADLINE_MS = 1_000;

interface PreviousSecretUse {
  documentCount: number;
  lastUsedAt?: string | null;
  lastUsedAddress?: string | null;
  lastUsedUserAgent?: string | null;
}

const graceRuns = (worksUntil: string | null | undefined) => Boolean(worksUntil) && Date.parse(worksUntil!) > Date.now();

/**
 * While the grace period runs and the details are open, reads the previous secret's use again
 * when the token's live count moves (throttled: the first move reads at once, moves within the
 * next second make one read at its end), and once more when the period ends, so that the fact
 * goes away on time.
 */
export function useLivePreviousSecretUse(id: string, liveCount: number | undefined, worksUntil: string | null | undefined): void {
  const client = useClient();
  // undefined until the token is read: its first count is what that read already answered for
  const seenCount = useRef(liveCount);
  const throttle = useRef<{ lastRead: number; timer: ReturnType<typeof setTimeout> | undefined }>({ lastRead: 0, timer: undefined });

  // the timer is the pending read's; leaving the details drops it
  useEffect(() => () => clearTimeout(throttle.current.timer), []);

  useEffect(() => {
    if (liveCount === seenCount.current) return;
    const first = seenCount.current === undefined;
    seenCount.current = liveCount;
    if (first || !graceRuns(worksUntil)) return;
    const state = throttle.current;
    if (state.timer !== undefined) return; // a read is already due: it will see this document too
    const read = () => {
      state.timer = undefined;
      state.lastRead = Date.now();
      // a failed read shows nothing new; the next document reads again
      void client.query(PreviousSecretUseQuery, { id }, { requestPolicy: 'network-only' }).toPromise().catch(() => undefined);
    };
    const wait = state.lastRead + READ_AT_MOST_EVERY_MS - Date.now();
    if (wait <= 0) read();
    else state.timer = setTimeout(read, wait);
  }, [liveCount, worksUntil, id, client]);

  useEffect(() => {
    if (!graceRuns(worksUntil)) return;
    const wait = Date.parse(worksUntil!) - Date.now() + AFTER_DEADLINE_MS;
    if (wait > MAX_TIMER_MS) return;
    const timer = setTimeout(() => {
      void client.query(PreviousSecretUseQuery, { id }, { requestPolicy: 'network-only' }).toPromise().catch(() => undefined);
    }, wait);
    return () => clearTimeout(timer);
  }, [worksUntil, id, client]);
}

/** "3 documents since the roll; the last one 2 minutes ago from 203.0.113.7, curl/8.5.0." */
export function previousSecretUseInWords(use: PreviousSecretUse): string {
  const count = `${use.documentCount.toLocaleString()} ${use.documentCount === 1 ? 'document' : 'documents'} since the roll`;
  if (!use.lastUsedAt) return `${count}.`;
  const last = [relativeTime(use.lastUsedAt), use.lastUsedAddress && `from ${use.lastUsedAddress}`].filter(Boolean).join(' ');
  return `${count}; the last one ${last}${use.lastUsedUserAgent ? `, ${use.lastUsedUserAgent}` : ''}.`;
}

/** The Details facts: until when the previous secret works, and who still sends it. */
export function PreviousSecretFacts({ worksUntil, use }: { worksUntil: string | null | undefined; use: PreviousSecretUse | null | undefined }) {
  if (!worksUntil) return null;
  return (
    <>
      <dt>Previous secret</dt>
      <dd data-testid="previous-secret">Previous secret works until {formatDateTime(worksUntil)}</dd>
      {use && (
        <>
          <dt>Previous secret’s use</dt>
          <dd data-testid="previous-secret-use">{previousSecretUseInWords(use)}</dd>
        </>
      )}
    </>
  );
}
