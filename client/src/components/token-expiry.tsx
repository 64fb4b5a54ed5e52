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
