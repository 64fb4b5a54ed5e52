// A token's trend in its row: documents per day over the last 14 days, as a small inline SVG.
//
// By day rather than the last 24 hours by hour: a row is read at a glance ("in use, rising,
// stopped"), and most tokens are quiet most hours, so 24 hourly points would be mostly flat zeros.
// Days also outlive the 90 days of hourly buckets, so a deleted token's row still has its days.
// No chart library here: 14 points are a polyline, and a row must stay cheap to render.
import type { UsagePoint } from './usage-range';
import { totalOf } from './usage-range';

export const TREND_DAYS = 14;
const WIDTH = 84;
const HEIGHT = 22;

export function UsageSparkline({ points }: { points: readonly UsagePoint[] | undefined }) {
  if (!points) return <span class="sparkline" data-testid="trend" data-state="loading" />;
  const total = totalOf(points);
  const peak = Math.max(1, ...points.map((point) => point.documentCount));
  const step = points.length > 1 ? WIDTH / (points.length - 1) : WIDTH;
  const y = (count: number) => (HEIGHT - 2 - (count / peak) * (HEIGHT - 4)).toFixed(1);
  const line = points.map((point, index) => `${(index * step).toFixed(1)},${y(point.documentCount)}`).join(' ');
  return (
    <svg
      class="sparkline"
      data-testid="trend"
      data-total={total}
      role="img"
      aria-label={`${total.toLocaleString()} documents in the last ${points.length} days`}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width={WIDTH}
      height={HEIGHT}
    >
      <polygon class="sparkline-area" points={`0,${HEIGHT} ${line} ${WIDTH},${HEIGHT}`} />
      <polyline class="sparkline-line" points={line} />
    </svg>
  );
}
