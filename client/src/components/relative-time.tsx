import { useEffect, useState } from 'preact/hooks';

const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
/** "1 Dec 2026, 21:51": the exact time beside or behind a relative one. */
export const formatDateTime = (iso: string) => exact.format(new Date(iso));
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = (Date.parse(iso) - now) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

/**
 * "2 minutes ago", with the exact time in the title (hover), shown beside it while it has focus
 * (styles.css), and always read by screen readers. Re-renders each minute.
 */
export function RelativeTime({ iso }: { iso: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  const full = formatDateTime(iso);
  return (
    <time dateTime={iso} title={full} tabIndex={0} class="relative-time">
      {relativeTime(iso, now)}
      <span class="exact-time"> ({full})</span>
    </time>
  );
}
