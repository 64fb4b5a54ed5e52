// A token's usage in its details view: documents by hour (the last 48) or by day (the last 30),
// live, with the range shown exported as CSV. A deleted token's usage stays readable here.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import type { FunctionComponent } from 'preact';
import { graphql } from '../gql';
import type { UsageGranularity } from '../gql/graphql';
import { describeError } from '../error-messages';
import { useConnection, useCurrentError } from '../connection-context';
import { downloadText } from '../csv';
import { usageCsv, usageFileName } from './usage-csv';
import { totalOf, useLivePoints, useUsageRange, type UsagePoint } from './usage-range';

const TokenUsageQuery = graphql(`
  query TokenUsage($tokenId: ID!, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) {
    usage(tokenId: $tokenId, from: $from, to: $to, granularity: $granularity) {
      at
      documentCount
    }
  }
`);

const SPANS: Record<UsageGranularity, { buckets: number; words: string; unit: string }> = {
  HOUR: { buckets: 48, words: 'the last 48 hours', unit: 'hour' },
  DAY: { buckets: 30, words: 'the last 30 days', unit: 'day' },
};

type Chart = FunctionComponent<{ points: readonly UsagePoint[]; granularity: UsageGranularity; label: string }>;
// uPlot is loaded with the first details view, not with the page: most visits never open one
let chartModule: Promise<Chart> | undefined;
const loadChart = () => (chartModule ??= import('./usage-chart').then((module) => module.default));

interface Props {
  tokenId: string;
  tokenName: string;
  /** The token's documentCount as the live subscription keeps it. */
  liveCount: number;
}

export function TokenUsage({ tokenId, tokenName, liveCount }: Props) {
  const [granularity, setGranularity] = useState<UsageGranularity>('HOUR');
  const range = useUsageRange(granularity, SPANS[granularity].buckets);
  const [{ data, error, operation }, readAgain] = useQuery({
    query: TokenUsageQuery,
    variables: { tokenId, from: range.from, to: range.to, granularity },
    // shown again later, the cached points are refreshed: the live baseline starts anew with them
    requestPolicy: 'cache-and-network',
  });
  // urql keeps the previous answer while the next one is on its way: hourly points must not be
  // shown (and counted live) as days after a switch, nor yesterday's range after the hour moves on
  const current = operation?.variables.granularity === granularity && operation.variables.from === range.from && operation.variables.tokenId === tokenId;
  const points = useLivePoints(current ? data?.usage : undefined, liveCount);
  const shownError = useCurrentError(error);
  useReadAgainAfterOutage(() => readAgain({ requestPolicy: 'network-only' }));
  const Chart = useChartComponent();
  const span = SPANS[granularity];
  const total = points ? totalOf(points) : 0;
  const peak = points?.reduce<UsagePoint | undefined>((best, point) => (point.documentCount > (best?.documentCount ?? 0) ? point : best), undefined);
  const summary = `${total.toLocaleString()} ${total === 1 ? 'document' : 'documents'} in ${span.words}`;
  const label = `Documents per ${span.unit} (UTC) in ${span.words}: ${total.toLocaleString()} in all${
    peak ? `, at most ${peak.documentCount.toLocaleString()} in the ${span.unit} from ${new Date(peak.at).toISOString().slice(0, granularity === 'HOUR' ? 16 : 10).replace('T', ' ')} UTC` : ''
  }.`;

  return (
    <section class="usage" aria-labelledby="usage-title">
      <div class="row usage-head">
        <h4 id="usage-title">Usage</h4>
        <div role="group" aria-label="Usage by" class="row toggle">
          {(['HOUR', 'DAY'] as const).map((value) => (
            <button key={value} type="button" class="secondary" aria-pressed={granularity === value} onClick={() => setGranularity(value)}>
              By {SPANS[value].unit}
            </button>
          ))}
        </div>
      </div>
      {shownError && !data && <p class="error" role="alert">{describeError(shownError)}</p>}
      <div class="usage-chart-box">
        {points && Chart ? <Chart points={points} granularity={granularity} label={label} /> : <p class="muted">Loading usage…</p>}
      </div>
      <div class="row usage-foot">
        <p class="muted" data-testid="usage-summary" data-total={points ? total : undefined}>
          {points ? `${summary} (UTC ${span.unit}s)` : ''}
        </p>
        <button
          type="button"
          class="secondary"
          disabled={!points}
          onClick={() => points && downloadText(usageFileName(tokenName, granularity, range.from), 'text/csv', usageCsv(points))}
        >
          Export range as CSV
        </button>
      </div>
    </section>
  );
}

/** After an outage the points are read again: live counts missed meanwhile are not all in the last bucket. */
function useReadAgainAfterOutage(read: () => void) {
  const { recoveries } = useConnection();
  const seen = useRef(recoveries);
  useEffect(() => {
    if (seen.current === recoveries) return;
    seen.current = recoveries;
    read();
  }, [recoveries]);
}

function useChartComponent(): Chart | null {
  const [chart, setChart] = useState<{ component: Chart } | null>(null);
  useEffect(() => {
    void loadChart().then((component) => setChart({ component }));
  }, []);
  return chart?.component ?? null;
}
