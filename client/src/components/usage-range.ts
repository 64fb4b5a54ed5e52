// The ranges the dashboard asks usage for, and how live counts move the bucket of "now".
//
// Buckets are UTC hours and days (the server's), so a range is whole buckets ending with the one
// that holds now. Its bounds only change when that bucket ends, so the query's variables (and
// graphcache's key for the result) stay the same until then, and re-renders or a tab switch read
// the cache instead of asking again.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { UsageGranularity } from '../gql/graphql';

export type { UsageGranularity };

/** One bucket as the usage query returns it. */
export interface UsagePoint {
  at: string;
  documentCount: number;
}

const STEP_MS: Record<UsageGranularity, number> = { HOUR: 3_600_000, DAY: 86_400_000 };

export interface UsageRange {
  granularity: UsageGranularity;
  /** ISO instants: [from, to), `to` being the end of the bucket that holds now. */
  from: string;
  to: string;
  toMs: number;
}

export function usageRange(granularity: UsageGranularity, buckets: number, now = Date.now()): UsageRange {
  const step = STEP_MS[granularity];
  const to = (Math.floor(now / step) + 1) * step;
  return { granularity, from: new Date(to - buckets * step).toISOString(), to: new Date(to).toISOString(), toMs: to };
}

/** The range of the last `buckets` buckets; it moves on by itself when the bucket of now ends. */
export function useUsageRange(granularity: UsageGranularity, buckets: number): UsageRange {
  const [tick, setTick] = useState(0);
  const range = useMemo(() => usageRange(granularity, buckets), [granularity, buckets, tick]);
  useEffect(() => {
    // a second after the bucket ends, so the new range starts with the new bucket
    const timer = setTimeout(() => setTick((value) => value + 1), Math.max(1_000, range.toMs - Date.now() + 1_000));
    return () => clearTimeout(timer);
  }, [range.toMs]);
  return range;
}

/**
 * The points as fetched, with the documents counted live since then added to the last bucket (the
 * one holding now): `liveCount` is the token's documentCount, which the live subscription keeps
 * current in the cache, and `countAtFetch` what it was when the points arrived. A document counted
 * between the server reading the points and the page seeing its live count could be added twice;
 * that window is one request long, and the next range (or reopening) reads the exact sums again.
 */
export function withLiveCount(points: readonly UsagePoint[], countAtFetch: number, liveCount: number): readonly UsagePoint[] {
  const added = liveCount - countAtFetch;
  if (added <= 0 || points.length === 0) return points;
  const last = points.length - 1;
  return points.map((point, index) => (index === last ? { ...point, documentCount: point.documentCount + added } : point));
}

/** withLiveCount for points a query keeps: the baseline is the live count when their content last changed. */
export function useLivePoints(points: readonly UsagePoint[] | undefined, liveCount: number): readonly UsagePoint[] | undefined {
  const baseline = useRef<{ key: string; count: number } | null>(null);
  if (!points) return undefined;
  // by content, not identity: the same answer read from the cache again keeps its baseline
  const key = points.map((point) => `${point.at}=${point.documentCount}`).join();
  if (baseline.current?.key !== key) baseline.current = { key, count: liveCount };
  return withLiveCount(points, baseline.current.count, liveCount);
}

export const totalOf = (points: readonly UsagePoint[]) => points.reduce((sum, point) => sum + point.documentCount, 0);
