// The leak on the leaked token's own row (issue #16): a compact badge beside its name, so the row
// says it as well as the banner at the top of the page. Its details are the banner's, in the title
// and for screen readers.
import { formatDateTime } from './relative-time';

interface Leak {
  reportedAt: string;
  url: string;
  source: string;
}

export function TokenLeakBadge({ leak }: { leak: Leak | null | undefined }) {
  if (!leak) return null;
  const where = [leak.url && `at ${leak.url}`, leak.source && `(${leak.source})`].filter(Boolean).join(' ');
  const details = `Found in public${where ? ` ${where}` : ''} on ${formatDateTime(leak.reportedAt)}, and revoked.`;
  return (
    <>
      {' '}
      <span class="badge leaked" data-testid="row-leak" title={details}>
        Leaked<span class="visually-hidden">: {details}</span>
      </span>
    </>
  );
}
