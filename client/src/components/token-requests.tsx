// A token's Requests in its details view, the integrator's view: every HTTP request that presented
// the token, refused ones included, newest first, each in words (request-sentences.ts) with its
// time, status, address, User-Agent and request id; a chart of the outcomes over the last 24 hours
// or 7 days with its totals as a table; and a filter for the refused ones. Requests logged while
// the view is shown arrive over requestLogged and go on top, and the chart is read again.
//
// The subscription is open only while this view is shown (the details' Requests tab): an account
// may hold at most 10 requestLogged feeds at once.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ComponentChildren, FunctionComponent } from 'preact';
import { useQuery, useSubscription } from '@urql/preact';
import { graphql } from '../gql';
import type { RequestLogFieldsFragment } from '../gql/graphql';
import { describeError } from '../error-messages';
import { useConnection, useCurrentError } from '../connection-context';
import { describeRequest, isRefused, OK_OUTCOME, outcomeKind, outcomeLabel } from '../request-sentences';
import { RelativeTime } from './relative-time';
import { chartDataOf, colorOf, type RequestChartData, type RequestSummaryData } from './request-series';
import { useUsageRange, type UsageGranularity } from './usage-range';
import './requests.css';

// One list of an entry's fields for the pages and the live feed, so a live row and a loaded row are the same row.
graphql(`
  fragment RequestLogFields on RequestLogEntry {
    id
    tokenId
    at
    operation
    outcome
    httpStatus
    clientAddress
    userAgent
    durationMs
    requestId
  }
`);

const TokenRequestsQuery = graphql(`
  query TokenRequests($tokenId: ID!, $refusedOnly: Boolean, $first: Int, $after: String) {
    requestConnection(tokenId: $tokenId, refusedOnly: $refusedOnly, first: $first, after: $after) {
      edges {
        node {
          ...RequestLogFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const TokenRequestSummaryQuery = graphql(`
  query TokenRequestSummary($tokenId: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {
    requestSummary(tokenId: $tokenId, from: $from, to: $to, granularity: $granularity) {
      okCount
      refusedCount
      refusals {
        outcome
        count
      }
      buckets {
        at
        okCount
        refusals {
          outcome
          count
        }
      }
    }
  }
`);

const LiveTokenRequestsSubscription = graphql(`
  subscription LiveTokenRequests($tokenId: ID!) {
    requestLogged(tokenId: $tokenId) {
      ...RequestLogFields
    }
  }
`);

type RequestEntry = RequestLogFieldsFragment;

const PAGE_SIZE = 50;
/** Live requests kept on screen above the loaded pages; older ones are in the pages when the view opens again. */
const MAX_LIVE_ROWS = 200;
/** At most one new reading of the chart this often while requests keep arriving (the log writes in batches of 250 ms). */
const CHART_READ_AGAIN_MS = 1_000;

const RANGES: Record<UsageGranularity, { buckets: number; words: string; unit: string; button: string }> = {
  HOUR: { buckets: 24, words: 'the last 24 hours', unit: 'hour', button: 'Last 24 hours' },
  DAY: { buckets: 7, words: 'the last 7 days', unit: 'day', button: 'Last 7 days' },
};

type Chart = FunctionComponent<{ data: RequestChartData; granularity: UsageGranularity; label: string }>;
// uPlot comes with the first chart shown, as in token-usage.tsx
let chartModule: Promise<Chart> | undefined;
const loadChart = () => (chartModule ??= import('./request-chart').then((module) => module.default));

interface LiveRequests {
  /** Newest first. */
  entries: RequestEntry[];
  /** How many arrived in all, also those no longer kept on screen: each one moves the chart. */
  received: number;
}

export function TokenRequests({ tokenId }: { tokenId: string }) {
  const [refusedOnly, setRefusedOnly] = useState(false);
  const { recoveries } = useConnection();
  const [live] = useSubscription({ query: LiveTokenRequestsSubscription, variables: { tokenId } }, (previous: LiveRequests = { entries: [], received: 0 }, data) => {
    const entry = data.requestLogged;
    if (previous.entries.some((seen) => seen.id === entry.id)) return previous;
    return { entries: [entry, ...previous.entries].slice(0, MAX_LIVE_ROWS), received: previous.received + 1 };
  });
  const received = live.data?.received ?? 0;
  const liveError = useCurrentError(live.error);

  return (
    <section class="requests" aria-labelledby="requests-title" data-testid="token-requests">
      <h4 id="requests-title">Requests</h4>
      <RequestOutcomes tokenId={tokenId} received={received} />
      <fieldset class="requests-filter">
        <legend>Show</legend>
        <label class="checkbox">
          <input type="radio" name={`requests-${tokenId}`} checked={!refusedOnly} onChange={() => setRefusedOnly(false)} />
          All requests
        </label>
        <label class="checkbox">
          <input type="radio" name={`requests-${tokenId}`} checked={refusedOnly} onChange={() => setRefusedOnly(true)} />
          Refused only
        </label>
      </fieldset>
      {liveError && (
        <p class="notice" data-testid="requests-live-off">
          New requests do not appear by themselves right now: {describeError(liveError)} Open this view again to see them.
        </p>
      )}
      {/* for screen readers: new rows arrive quietly at the top (one status, not a live list that reads every row of a busy token) */}
      <p role="status" class="visually-hidden">
        {received > 0 ? `${received} new ${received === 1 ? 'request' : 'requests'} since this view opened` : ''}
      </p>
      {/* a new filter, or the connection back after an outage (requests missed meanwhile): the list is read anew */}
      <RequestList key={`${refusedOnly}:${recoveries}`} tokenId={tokenId} refusedOnly={refusedOnly} liveEntries={live.data?.entries ?? []} />
    </section>
  );
}

/** The chart and its totals, read again soon after requests arrive live, and after an outage. */
function RequestOutcomes({ tokenId, received }: { tokenId: string; received: number }) {
  const [granularity, setGranularity] = useState<UsageGranularity>('HOUR');
  const span = RANGES[granularity];
  const range = useUsageRange(granularity, span.buckets);
  const [{ data, error, operation }, readAgain] = useQuery({
    query: TokenRequestSummaryQuery,
    variables: { tokenId, from: range.from, to: range.to, granularity },
    requestPolicy: 'cache-and-network',
  });
  const { recoveries } = useConnection();
  useThrottledReading([received, recoveries], () => readAgain({ requestPolicy: 'network-only' }));
  // the previous answer stays while the next one is on its way: never show hours as days
  const current = operation?.variables.granularity === granularity && operation.variables.from === range.from && operation.variables.tokenId === tokenId;
  const summary = current ? data?.requestSummary : undefined;
  const chartData = useMemo(() => summary && chartDataOf(summary), [summary]);
  const shownError = useCurrentError(error);
  const Chart = useChartComponent();
  const sentence = summary && summaryWords(summary, span.words);

  return (
    <div class="request-outcomes">
      <div class="row usage-head">
        <p class="request-summary" data-testid="request-summary" data-ok={summary?.okCount} data-refused={summary?.refusedCount}>
          {sentence ?? 'Loading requests…'}
        </p>
        <div role="group" aria-label="Requests in" class="row toggle">
          {(['HOUR', 'DAY'] as const).map((value) => (
            <button key={value} type="button" class="secondary" aria-pressed={granularity === value} onClick={() => setGranularity(value)}>
              {RANGES[value].button}
            </button>
          ))}
        </div>
      </div>
      {shownError && !data && <p class="error" role="alert">{describeError(shownError)}</p>}
      <div class="request-chart-box">
        {summary && chartData && Chart ? (
          <Chart data={chartData} granularity={granularity} label={`Requests per ${span.unit} (UTC) in ${span.words}, stacked by outcome: ${sentence}`} />
        ) : (
          <p class="muted">Loading the chart…</p>
        )}
      </div>
      {summary && chartData && <OutcomeTotals summary={summary} chartData={chartData} words={span.words} />}
    </div>
  );
}

/** "3 requests in the last 24 hours: 2 OK, 1 refused." */
function summaryWords(summary: RequestSummaryData, words: string): string {
  const total = summary.okCount + summary.refusedCount;
  return `${total.toLocaleString()} ${total === 1 ? 'request' : 'requests'} in ${words}: ${summary.okCount.toLocaleString()} OK, ${summary.refusedCount.toLocaleString()} refused.`;
}

/** The chart's legend and its text alternative: OK and every reason of refusal, with their counts. */
function OutcomeTotals({ summary, chartData, words }: { summary: RequestSummaryData; chartData: RequestChartData; words: string }) {
  const rows = [{ outcome: OK_OUTCOME, count: summary.okCount }, ...summary.refusals];
  return (
    <table class="request-totals" data-testid="request-totals">
      <caption class="visually-hidden">Requests in {words} by outcome</caption>
      <thead>
        <tr>
          <th scope="col">Outcome</th>
          <th scope="col">Requests</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ outcome, count }) => (
          <tr key={outcome} data-outcome={outcome} data-count={count}>
            <th scope="row">
              <span class="swatch" aria-hidden="true" style={{ background: `var(${colorOf(chartData, outcome)})` }} />
              {outcome === OK_OUTCOME ? 'OK' : `${outcomeKind(outcome)}: ${outcomeLabel(outcome)}`}
            </th>
            <td>{count.toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Calls `read` once soon after `signals` change, at most once per CHART_READ_AGAIN_MS, however often they do. */
function useThrottledReading(signals: readonly number[], read: () => void) {
  const latestRead = useRef(read);
  latestRead.current = read;
  const first = useRef(true);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (timer.current !== null) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      latestRead.current();
    }, CHART_READ_AGAIN_MS);
  }, signals);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
}

function useChartComponent(): Chart | null {
  const [chart, setChart] = useState<{ component: Chart } | null>(null);
  useEffect(() => {
    void loadChart().then((component) => setChart({ component }));
  }, []);
  return chart?.component ?? null;
}

/** The requests of one filter: live ones on top, then the pages, "Load more" after the last. */
function RequestList({ tokenId, refusedOnly, liveEntries }: { tokenId: string; refusedOnly: boolean; liveEntries: readonly RequestEntry[] }) {
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const shownLive = refusedOnly ? liveEntries.filter((entry) => isRefused(entry.outcome)) : liveEntries;
  const shownLiveIds = new Set(shownLive.map((entry) => entry.id));
  return (
    <ol class="request-list" data-testid="requests" aria-label={refusedOnly ? 'Refused requests, newest first' : 'Requests, newest first'}>
      {shownLive.map((entry) => (
        <RequestRow key={`live:${entry.id}`} entry={entry} live />
      ))}
      {cursors.map((after, index) => (
        <RequestPage
          key={after ?? 'first'}
          tokenId={tokenId}
          refusedOnly={refusedOnly}
          after={after}
          first={index === 0}
          last={index === cursors.length - 1}
          shownLive={shownLiveIds}
          onMore={(cursor) => setCursors([...cursors, cursor])}
        />
      ))}
    </ol>
  );
}

function RequestPage(props: {
  tokenId: string;
  refusedOnly: boolean;
  after: string | null;
  /** The first page: it says when there is nothing at all. */
  first: boolean;
  /** The last page read: "Load more" goes after it. */
  last: boolean;
  /** Requests already on screen as live rows: a page read after they arrived skips them. */
  shownLive: ReadonlySet<string>;
  onMore: (cursor: string) => void;
}) {
  const [{ data, error, fetching }] = useQuery({
    query: TokenRequestsQuery,
    variables: { tokenId: props.tokenId, refusedOnly: props.refusedOnly, first: PAGE_SIZE, after: props.after },
    requestPolicy: 'cache-and-network',
  });
  const shownError = useCurrentError(error);
  if (shownError && !data) return <MessageItem role="alert">{describeError(shownError)}</MessageItem>;
  if (!data) return fetching ? <MessageItem role="status">Loading requests…</MessageItem> : null;
  const entries = data.requestConnection.edges.map((edge) => edge.node);
  const { hasNextPage, endCursor } = data.requestConnection.pageInfo;
  return (
    <>
      {props.first && entries.length === 0 && props.shownLive.size === 0 && (
        <MessageItem>
          {props.refusedOnly ? 'No refused requests.' : 'No requests yet.'} Requests with this token show here within a second, kept 7 days on the free plan and 30 on paid ones.
        </MessageItem>
      )}
      {entries
        .filter((entry) => !props.shownLive.has(entry.id))
        .map((entry) => (
          <RequestRow key={entry.id} entry={entry} />
        ))}
      {props.last && hasNextPage && endCursor && (
        <li class="request-more">
          <button type="button" class="secondary" onClick={() => props.onMore(endCursor)}>
            Load more
          </button>
        </li>
      )}
    </>
  );
}

function MessageItem({ children, role }: { children: ComponentChildren; role?: 'status' | 'alert' }) {
  return (
    <li class="request-message muted">
      <span role={role}>{children}</span>
    </li>
  );
}

function RequestRow({ entry, live }: { entry: RequestEntry; live?: boolean }) {
  const refused = isRefused(entry.outcome);
  return (
    <li class="request" data-testid="request" data-outcome={entry.outcome} data-request-id={entry.requestId} data-live={live ? 'true' : undefined}>
      <p class={`request-sentence ${refused ? 'refused' : 'ok'}`} data-testid="request-sentence">
        {describeRequest(entry)}
      </p>
      <dl class="request-facts">
        <div>
          <dt class="visually-hidden">When</dt>
          <dd>
            <RelativeTime iso={entry.at} />
          </dd>
        </div>
        <div>
          <dt>HTTP</dt>
          <dd data-testid="request-status">{entry.httpStatus}</dd>
        </div>
        <div>
          <dt>From</dt>
          <dd data-testid="request-address">{entry.clientAddress}</dd>
        </div>
        <div>
          <dt>User-Agent</dt>
          <dd data-testid="request-user-agent">{entry.userAgent ?? 'none'}</dd>
        </div>
        <div>
          <dt>Request id</dt>
          <dd>
            {/* one click selects it whole, to paste into a support request or a log search */}
            <code class="request-id" data-testid="request-id">
              {entry.requestId}
            </code>
          </dd>
        </div>
      </dl>
    </li>
  );
}
