import { formatDateTime, relativeTime } from './relative-time';

/** Tokens this close to their expiry say so in the list. */
const EXPIRY_WARNING_MS = 7 * 24 * 3600_000;

/**
 * " Expires in 3 days" near the expiry, " Expired on …" after it (with the space that parts it from
 * the name before it); nothing at all for tokens that never expire.
 */
export function TokenExpiry({ expiresAt, status }: { expiresAt: string | null | undefined; status: string }) {
  if (!expiresAt) return null;
  if (status === 'EXPIRED') {
    return (
      <>
        {' '}
        <span class="badge expired" data-testid="expiry">Expired on {formatDateTime(expiresAt)}</span>
      </>
    );
  }
  if (status !== 'ACTIVE' || new Date(expiresAt).getTime() - Date.now() > EXPIRY_WARNING_MS) return null;
  return (
    <>
      {' '}
      <span class="badge expiring" data-testid="expiry" title={formatDateTime(expiresAt)}>
        Expires {relativeTime(expiresAt)}
      </span>
    </>
  );
}

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * A wait ahead in words, for deadlines a person just chose: "in 45 minutes", "in 24 hours",
 * "in 7 days". Plainer than relativeTime's "tomorrow" or "in 4 weeks" for a 30-day expiry.
 */
export function timeLeftInWords(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(ms / HOUR_MS);
  if (hours < 48) return `in ${hours} hour${hours === 1 ? '' : 's'}`;
  return `in ${Math.round(ms / DAY_MS)} days`;
}

/** Whole calendar days from today to the day of `iso`, in the browser's time zone. */
function calendarDaysUntil(iso: string, now = Date.now()): number {
  const day = (at: Date) => new Date(at.getFullYear(), at.getMonth(), at.getDate()).getTime();
  return Math.round((day(new Date(iso)) - day(new Date(now))) / DAY_MS);
}

/** What the reveal of a new token says about its expiry, from generateToken's answer. */
export function ExpiryStatement({ expiresAt }: { expiresAt: string | null | undefined }) {
  if (!expiresAt) {
    return <p data-testid="reveal-expiry">This token never expires: delete it when it is no longer needed.</p>;
  }
  const days = calendarDaysUntil(expiresAt);
  const when = days >= 2 ? `in ${days} days` : relativeTime(expiresAt);
  return (
    <p data-testid="reveal-expiry">
      This token expires on {formatDateTime(expiresAt)} ({when}).
    </p>
  );
}
