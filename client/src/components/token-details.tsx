import { useEffect, useRef, useState } from 'preact/hooks';
import { useMutation, useQuery } from '@urql/preact';
import { graphql } from '../gql';
import type { RollGracePeriod } from '../gql/graphql';
import { describeError } from '../error-messages';
import { formatDateTime, relativeTime } from './relative-time';
import { SecretReveal } from './secret-reveal';
import { TokenUsage } from './token-usage';

const TokenDetailsQuery = graphql(`
  query TokenDetails($id: ID!) {
    token(id: $id) {
      id
      name
      preview
      status
      documentCount
      documentsThisMonth
      monthlyDocumentLimit
      allowedIps
      expiresAt
      previousSecretWorksUntil
      lastUsedAt
      lastUsedAddress
      lastUsedUserAgent
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

const RollTokenMutation = graphql(`
  mutation RollToken($id: ID!, $gracePeriod: RollGracePeriod!) {
    rollToken(id: $id, gracePeriod: $gracePeriod) {
      secret
      token {
        id
        preview
        previousSecretWorksUntil
      }
    }
  }
`);

const GRACE_CHOICES: Array<{ value: RollGracePeriod; label: string }> = [
  { value: 'ONE_HOUR' as RollGracePeriod, label: '1 hour' },
  { value: 'ONE_DAY' as RollGracePeriod, label: '24 hours' },
  { value: 'SEVEN_DAYS' as RollGracePeriod, label: '7 days' },
  { value: 'NONE' as RollGracePeriod, label: 'None: stop it now (the secret leaked)' },
];

/**
 * One token in full, in a native modal <dialog>: where it was last used from, its expiry, its usage
 * over time (also once deleted), and the forms to rename it, restrict it (IP allowlist, monthly
 * documents) and roll its secret.
 */
export function TokenDetails({ id, onClose }: { id: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const [{ data, error }] = useQuery({ query: TokenDetailsQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  const token = data?.token;

  return (
    <dialog ref={dialog} class="dialog wide" aria-labelledby="details-title" onCancel={onClose} data-testid="token-details">
      {error && !token && <p class="error" role="alert">{describeError(error)}</p>}
      {token && (
        <>
          <h3 id="details-title">
            {token.name} <code class="muted">{token.preview}</code>
          </h3>
          <dl class="facts">
            <dt>Last used</dt>
            <dd data-testid="last-used">
              {token.lastUsedAt
                ? [relativeTime(token.lastUsedAt), token.lastUsedAddress && `from ${token.lastUsedAddress}`].filter(Boolean).join(' ') +
                  (token.lastUsedUserAgent ? `, ${token.lastUsedUserAgent}` : '')
                : 'Never'}
            </dd>
            <dt>Expiry</dt>
            <dd data-testid="details-expiry">
              {!token.expiresAt
                ? 'Never expires'
                : token.status === 'EXPIRED'
                  ? `Expired on ${formatDateTime(token.expiresAt)}`
                  : `Expires on ${formatDateTime(token.expiresAt)} (${relativeTime(token.expiresAt)})`}
            </dd>
            <dt>This month</dt>
            <dd>
              {token.documentsThisMonth.toLocaleString()} documents
              {token.monthlyDocumentLimit != null && ` of ${token.monthlyDocumentLimit.toLocaleString()}`}
            </dd>
            {token.previousSecretWorksUntil && (
              <>
                <dt>Previous secret</dt>
                <dd data-testid="previous-secret">Previous secret works until {formatDateTime(token.previousSecretWorksUntil)}</dd>
              </>
            )}
          </dl>
          <TokenUsage tokenId={token.id} tokenName={token.name} liveCount={token.documentCount} />
          {token.status === 'ACTIVE' && (
            <>
              <EditForm
                id={token.id}
                name={token.name}
                allowedIps={token.allowedIps}
                monthlyDocumentLimit={token.monthlyDocumentLimit ?? null}
              />
              <RollForm id={token.id} name={token.name} />
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

function RollForm({ id, name }: { id: string; name: string }) {
  const [grace, setGrace] = useState<RollGracePeriod>('ONE_HOUR' as RollGracePeriod);
  const [state, roll] = useMutation(RollTokenMutation);
  const [secret, setSecret] = useState<string | null>(null);

  if (secret) return <SecretReveal secret={secret} name={name} onDone={() => setSecret(null)} />;
  return (
    <form
      class="stack"
      aria-label="Roll secret"
      onSubmit={async (event) => {
        event.preventDefault();
        const result = await roll({ id, gracePeriod: grace });
        if (result.data) setSecret(result.data.rollToken.secret);
      }}
    >
      <label>
        Keep the current secret working for
        <select value={grace} onChange={(event) => setGrace(event.currentTarget.value as RollGracePeriod)}>
          {GRACE_CHOICES.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      </label>
      {state.error && <p class="error" role="alert">{describeError(state.error)}</p>}
      <div class="row end">
        <button type="submit" class="danger" disabled={state.fetching}>
          Roll secret
        </button>
      </div>
    </form>
  );
}
