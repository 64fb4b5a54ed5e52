// The refusal chart's series from a requestSummary: OK, then the reasons with the most refusals,
// then the rest together, each with its colour. The chart (request-chart.tsx) stacks them; the
// totals table beside it, which is also the chart's legend and its text alternative, lists OK and
// every reason with the colour of the series it is drawn in.
import { OK_OUTCOME, outcomeLabel } from '../request-sentences';

/** A summary as the requestSummary query returns it. */
export interface RequestSummaryData {
  okCount: number;
  refusedCount: number;
  refusals: ReadonlyArray<{ outcome: string; count: number }>;
  buckets: ReadonlyArray<{ at: string; okCount: number; refusals: ReadonlyArray<{ outcome: string; count: number }> }>;
}

export interface RequestSeries {
  /** OK, an outcome code, or OTHER_REASONS. */
  key: string;
  label: string;
  /** The CSS custom property it is drawn in (the theme's, so both themes have it). */
  color: string;
  /** Per bucket, in the buckets' order. */
  counts: number[];
}

export interface RequestChartData {
  /** Each bucket's first instant (ISO, UTC). */
  times: string[];
  /** Bottom of the stack first: OK, then reasons by their count in the range. */
  series: RequestSeries[];
}

export const OTHER_REASONS = 'OTHER';
// more colours than these would not tell reasons apart; the totals table names every reason
const REASON_COLORS = ['--danger', '--warning-border', '--accent'];
const OTHER_COLOR = '--muted';
const OK_COLOR = '--success';

export function chartDataOf(summary: RequestSummaryData): RequestChartData {
  const drawn = summary.refusals.slice(0, REASON_COLORS.length).map((refusal) => refusal.outcome);
  const others = summary.refusals.length > drawn.length;
  const countOf = (bucket: RequestSummaryData['buckets'][number], outcome: string) =>
    bucket.refusals.find((refusal) => refusal.outcome === outcome)?.count ?? 0;
  const series: RequestSeries[] = [
    { key: OK_OUTCOME, label: outcomeLabel(OK_OUTCOME), color: OK_COLOR, counts: summary.buckets.map((bucket) => bucket.okCount) },
    ...drawn.map((outcome, index) => ({
      key: outcome,
      label: outcomeLabel(outcome),
      color: REASON_COLORS[index]!,
      counts: summary.buckets.map((bucket) => countOf(bucket, outcome)),
    })),
  ];
  if (others) {
    series.push({
      key: OTHER_REASONS,
      label: 'Other reasons',
      color: OTHER_COLOR,
      counts: summary.buckets.map((bucket) => bucket.refusals.filter((refusal) => !drawn.includes(refusal.outcome)).reduce((sum, refusal) => sum + refusal.count, 0)),
    });
  }
  return { times: summary.buckets.map((bucket) => bucket.at), series };
}

/** The colour an outcome is drawn in: its own series', or the other reasons'. */
export function colorOf(data: RequestChartData, outcome: string): string {
  return (data.series.find((series) => series.key === outcome) ?? data.series.find((series) => series.key === OTHER_REASONS))?.color ?? OTHER_COLOR;
}
