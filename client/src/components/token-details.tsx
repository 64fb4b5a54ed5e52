import { useEffect, useRef, useState } from 'preact/hooks';
import { useMutation, useQuery } from '@urql/preact';
import { graphql } from '../gql';
import { describeError } from '../error-messages';
import { formatDateTime, relativeTime } from './relative-time';
import { DisabledFact } from './token-disable';
import { TokenRequests } from './token-requests';
import { TokenUsage } from './token-usage';
import { TokenModeFact } from './token-mode-display';
import { TokenRateLimitForm } from './token-rate-limit-form';
import { TokenExpiryForm } from './token-expiry-form';
import { PreviousSecretFacts, useLivePreviousSecretUse } from './grace-previous-secret';
import { DangerZone } from './token-details-danger-zone';
import { DetailsSection, DetailsSectionNav, type DetailsSectionId } from './token-details-sections';

const TokenDetailsQuery = graphql(`
  query TokenDetails($id: ID!) {
    token(id: $id) {
      id
      name
      preview
      status
      disabledAt
      documentCount
      documentsThisMonth
      monthlyDocumentLimit
      allowedIps
      expiresAt
      previousSecretWorksUntil
      previousSecretUse {
        documentCount
        lastUsedAt
        lastUsedAddress
        lastUsedUserAgent
      }
      lastUsedAt
      lastUsedAddress
      lastUsedUserAgent
      mode
      rateLimitPerSecond
      rateLimitPerMinute
      rateLimit {
        perSecond
        perMinute
      }
      rateLimitCeiling {
        perSecond
        perMinute
      }
    }
  }
`);

const UpdateTokenMutation = graphql(`
  mutation UpdateTokenDetails($id: ID!, $name: String, $allowedIps: [String!], $monthlyDocumentLimit: Int) {
    updateToken(id: $id, name: $name, allowedIps: $allowedIps, monthlyDocumentLimit: $monthlyDocumentLimit) {
      id
      name
      allowedIps
      monthlyDocumentLimit
      documentsThisMonth
    }
  }
`);

/** A token's state in words, when it is not disabled (DisabledFact says that, and since when). */
const STATE_IN_WORDS: Record<string, string> = {
  ACTIVE: 'Active',
  EXPIRED: 'Expired: requests with its secret are refused.',
  DELETED: 'Deleted: requests with its secret are refused.',
};

/**
 * One token in full, in a native modal <dialog>, in four sections with links to each at the top:
 * Overview (its state, mode, where it was last used from, its documents, its expiry), Usage (its
 * usage over time and the requests it made, also once deleted), and, while it is active, Settings
 * (rename it, restrict it: IP allowlist, monthly documents, expiry, rate limit) and Danger zone
 * (roll its secret, disable or enable it, delete it). Its mode (live or test) is shown, never
 * edited: it is chosen once, when the token is made.
 */
export function TokenDetails({ id, onClose }: { id: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const [{ data, error }] = useQuery({ query: TokenDetailsQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  const token = data?.token;
  // the previous secret's use moves with the token's live count while a grace period runs
  useLivePreviousSecretUse(id, token?.documentCount, token?.previousSecretWorksUntil);
  const active = token?.status === 'ACTIVE';
  const sections: DetailsSectionId[] = active ? ['overview', 'usage', 'settings', 'danger'] : ['overview', 'usage'];

  return (
    <dialog ref={dialog} class="dialog wide" aria-labelledby="details-title" onCancel={onClose} data-testid="token-details">
      {error && !token && <p class="error" role="alert">{describeError(error)}</p>}
      {token && (
        <>
          <h3 id="details-title">
            {token.name} <code class="muted">{token.preview}</code>
          </h3>
          <DetailsSectionNav sections={sections} />
          <DetailsSection id="overview">
            <dl class="facts">
              {active && token.disabledAt ? (
                <DisabledFact disabledAt={token.disabledAt} />
              ) : (
                <>
                  <dt>State</dt>
                  <dd data-testid="details-state">{STATE_IN_WORDS[token.status] ?? token.status}</dd>
                </>
              )}
              <TokenModeFact mode={token.mode} />
              <dt>Last used</dt>
              <dd data-testid="last-used">
                {token.lastUsedAt
                  ? [relativeTime(token.lastUsedAt), token.lastUsedAddress && `from ${token.lastUsedAddress}`].filter(Boolean).join(' ') +
                    (token.lastUsedUserAgent ? `, ${token.lastUsedUserAgent}` : '')
                  : 'Never'}
              </dd>
              <dt>Documents</dt>
              <dd data-testid="details-documents">{token.documentCount.toLocaleString()} in all</dd>
              <dt>This month</dt>
              <dd>
                {token.documentsThisMonth.toLocaleString()} documents
                {token.monthlyDocumentLimit != null && ` of ${token.monthlyDocumentLimit.toLocaleString()}`}
              </dd>
              <dt>Expiry</dt>
              <dd data-testid="details-expiry">
                {!token.expiresAt
                  ? 'Never expires'
                  : token.status === 'EXPIRED'
                    ? `Expired on ${formatDateTime(token.expiresAt)}`
                    : `Expires on ${formatDateTime(token.expiresAt)} (${relativeTime(token.expiresAt)})`}
              </dd>
              <PreviousSecretFacts worksUntil={token.previousSecretWorksUntil} use={token.previousSecretUse} />
            </dl>
          </DetailsSection>
          <DetailsSection id="usage">
            <UsageAndRequests tokenId={token.id} tokenName={token.name} liveCount={token.documentCount} />
          </DetailsSection>
          {active && (
            <>
              <DetailsSection id="settings">
                <EditForm
                  id={token.id}
                  name={token.name}
                  allowedIps={token.allowedIps}
                  monthlyDocumentLimit={token.monthlyDocumentLimit ?? null}
                />
                <TokenExpiryForm id={token.id} name={token.name} expiresAt={token.expiresAt} />
                <TokenRateLimitForm token={token} />
              </DetailsSection>
              <DetailsSection id="danger">
                <DangerZone
                  id={token.id}
                  name={token.name}
                  mode={token.mode}
                  disabledAt={token.disabledAt}
                  lastUsedAt={token.lastUsedAt}
                  onDeleted={onClose}
                />
              </DetailsSection>
            </>
          )}
        </>
      )}
      <div class="row end">
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}

type DetailsTab = 'usage' | 'requests';
const DETAILS_TABS: Array<{ id: DetailsTab; label: string }> = [
  { id: 'usage', label: 'Usage' },
  { id: 'requests', label: 'Requests' },
];

/**
 * Usage and Requests as two tabs (the WAI-ARIA tabs pattern: arrow keys move between them). Only
 * the tab shown is mounted: the Requests tab holds a live requestLogged feed, of which an account
 * may have 10 open, so it is open only while someone looks at it.
 */
function UsageAndRequests(props: { tokenId: string; tokenName: string; liveCount: number }) {
  const [tab, setTab] = useState<DetailsTab>('usage');
  const tabs = useRef<Record<DetailsTab, HTMLButtonElement | null>>({ usage: null, requests: null });
  const onKeyDown = (event: KeyboardEvent) => {
    const count = DETAILS_TABS.length;
    const index = DETAILS_TABS.findIndex((one) => one.id === tab);
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1 + count, Home: 0, End: count - 1 };
    const move = moves[event.key];
    if (move === undefined) return;
    event.preventDefault();
    const next = DETAILS_TABS[move % count]!.id;
    setTab(next);
    tabs.current[next]?.focus();
  };
  return (
    <div class="details-tabs">
      <div role="tablist" aria-label="Usage and requests" class="tabs" onKeyDown={onKeyDown}>
        {DETAILS_TABS.map(({ id, label }) => (
          <button
            key={id}
            ref={(element) => {
              tabs.current[id] = element;
            }}
            type="button"
            role="tab"
            id={`details-tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`details-panel-${id}`}
            tabIndex={tab === id ? 0 : -1}
            onClick={() => setTab(id)}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`details-panel-${tab}`} aria-labelledby={`details-tab-${tab}`}>
        {tab === 'usage' ? <TokenUsage {...props} /> : <TokenRequests tokenId={props.tokenId} />}
      </div>
    </div>
  );
}

function EditForm(props: { id: string; name: string; allowedIps: string[]; monthlyDocumentLimit: number | null }) {
  const [name, setName] = useState(props.name);
  const [allowedIps, setAllowedIps] = useState(props.allowedIps.join('\n'));
  const [limit, setLimit] = useState(props.monthlyDocumentLimit === null ? '' : String(props.monthlyDocumentLimit));
  const [state, update] = useMutation(UpdateTokenMutation);
  const [saved, setSaved] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const result = await update({
      id: props.id,
      name,
      allowedIps: allowedIps.split(/[\s,]+/).filter(Boolean),
      monthlyDocumentLimit: limit.trim() === '' ? null : Number(limit),
    });
    if (!result.error) setSaved(true);
  };

  return (
    <form onSubmit={submit} class="stack" aria-label="Edit token">
      <label>
        Name
        <input value={name} onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <label>
        IP allowlist <span class="muted">(one IPv4 or IPv6 address or CIDR per line; empty: any address)</span>
        <textarea rows={3} value={allowedIps} onInput={(event) => setAllowedIps(event.currentTarget.value)} />
      </label>
      <label>
        Monthly document limit <span class="muted">(empty: none)</span>
        <input type="number" min={1} value={limit} onInput={(event) => setLimit(event.currentTarget.value)} />
      </label>
      {state.error && <p class="error" role="alert">{describeError(state.error)}</p>}
      {saved && <p class="success" role="status">Saved.</p>}
      <div class="row end">
        <button type="submit" disabled={state.fetching}>
          Save
        </button>
      </div>
    </form>
  );
}

