// The usage shown, as a CSV file made in the browser: one row per bucket, the bucket's first
// instant in UTC ISO form and its documents, exactly the points on screen (live increments included).
import { csvText } from '../csv';
import type { UsagePoint } from './usage-range';

export const USAGE_CSV_HEADER = ['bucket start (UTC ISO)', 'documents'] as const;

export function usageCsv(points: readonly UsagePoint[]): string {
  return csvText([USAGE_CSV_HEADER, ...points.map((point) => [new Date(point.at).toISOString(), point.documentCount])]);
}

/** "pogodoc-usage-billing-eu-hour-2026-12-01.csv": the token's name made safe for a file name. */
export function usageFileName(tokenName: string, granularity: string, from: string): string {
  const slug = tokenName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'token';
  return `pogodoc-usage-${slug}-${granularity.toLowerCase()}-${from.slice(0, 10)}.csv`;
}
