// The usage shown, as a CSV file made in the browser: one row per bucket, the bucket's first
// instant in UTC ISO form and its documents, exactly the points on screen (live increments included).
import type { UsagePoint } from './usage-range';

export const USAGE_CSV_HEADER = ['bucket start (UTC ISO)', 'documents'] as const;

/**
 * One field as RFC 4180 has it: quoted when it holds a comma, a quote or a line break (quotes
 * doubled), and a leading = + - @ defused so that a spreadsheet does not run it as a formula.
 */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function usageCsv(points: readonly UsagePoint[]): string {
  const rows = [USAGE_CSV_HEADER, ...points.map((point) => [new Date(point.at).toISOString(), point.documentCount] as const)];
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Starts a download of `text` as a file, with no round trip to the server. */
export function downloadText(fileName: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** "pogodoc-usage-billing-eu-hour-2026-12-01.csv": the token's name made safe for a file name. */
export function usageFileName(tokenName: string, granularity: string, from: string): string {
  const slug = tokenName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'token';
  return `pogodoc-usage-${slug}-${granularity.toLowerCase()}-${from.slice(0, 10)}.csv`;
}
