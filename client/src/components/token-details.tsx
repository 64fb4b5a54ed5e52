import { useEffect, useRef, useState } from 'preact/hooks';
import { useMutation, useQuery } from '@urql/preact';
import { graphql } from '../gql';
import type { RollGracePeriod } from '../gql/graphql';
import { describeError } from '../error-messages';
import { useCurrentError } from '../connection-context';
import { ConfirmDialog } from './confirm-dialog';
import { formatDateTime, relativeTime } from './relative-time';
import { SecretReveal } from './secret-reveal';
import { DisabledFact, DisableToken } from './token-disable';
import { timeLeftInWords } from './token-expiry';
import { TokenRequests } from './token-requests';
import { TokenUsage } from './token-usage';
import { TokenModeFact } from './token-mode-display';
import { TokenRateLimitForm } from './token-rate-limit-form';
import { TokenExpiryForm } from './token-expiry-form';
import { PreviousSecretFacts, useLivePreviousSecretUse } from './grace-previous-secret';
import type { TokenMode } from '../gql/graphql';

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

const RollTokenMutation = graphql(`
  mutation RollToken($id: ID!, $gracePeriod: RollGracePeriod!) {
    rollToken(id: $id, gracePeriod: $gracePeriod) {
      secret
      token {
        id
        preview
        previousSecretWorksUntil
        previousSecretUse {
          documentCount
          lastUsedAt
          lastUsedAddress
          lastUsedUserAgent
        }
      }
    }
  }
`);

/**
 * The grace periods rollToken takes, with their lengths as the server applies them (the
 * RollGracePeriod enum's description), so the question can name the deadline before the roll. The
 * deadline shown after the roll is the server's own (previousSecretWorksUntil).
 */
const GRACE_CHOICES: Array<{ value: RollGracePeriod; label: string; ms: number }> = [
  { value: 'ONE_HOUR', label: '1 hour', ms: 3600_000 },
  { value: 'ONE_DAY', label: '24 hours', ms: 24 * 3600_000 },
  { value: 'SEVEN_DAYS', label: '7 days', ms: 7 * 24 * 3600_000 },
  { value: 'NONE', label: 'None: stop it now (the secret leaked)', ms: 0 },
];
const DEFAULT_GRACE: RollGracePeriod = 'ONE_HOUR';

/**
 * One token in full, in a native modal <dialog>: where it was last used from, its expiry, its usage
 * over time and the requests it made (also once deleted), and the forms to rename it, restrict it
 * (IP allowlist, monthly documents, rate limit), roll its secret, and disable or enable it. Its
 * mode (live or test) is shown, never edited: it is chosen once, when the token is made.
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

  return (
    <dialog ref={dialog} class="dialog wide" aria-labelledby="details-title" onCancel={onClose} data-testid="token-details">
      {error && !token && <p class="error" role="alert">{describeError(error)}</p>}
      {token && (
        <>
          <h3 id="details-title">
            {token.name} <code class="muted">{token.preview}</code>
          </h3>
          <dl class="facts">
            {token.status === 'ACTIVE' && <DisabledFact disabledAt={token.disabledAt} />}
            <TokenModeFact mode={token.mode} />
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
            <PreviousSecretFacts worksUntil={token.previousSecretWorksUntil} use={token.previousSecretUse} />
          </dl>
          <UsageAndRequests tokenId={token.id} tokenName={token.name} liveCount={token.documentCount} />
          {token.status === 'ACTIVE' && (
            <>
              <EditForm
                id={token.id}
                name={token.name}
                allowedIps={token.allowedIps}
                monthlyDocumentLimit={token.monthlyDocumentLimit ?? null}
              />
              <TokenExpiryForm id={token.id} name={token.name} expiresAt={token.expiresAt} />
              <TokenRateLimitForm token={token} />
              <RollForm id={token.id} name={token.name} mode={token.mode} />
              <DisableToken id={token.id} name={token.name} disabledAt={token.disabledAt} />
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

/**
 * "Roll secret…" asks first (issue #25, D7): how long the current secret keeps working, with its
 * deadline in words, in a modal dialog that gives focus back to this button. After the roll, the
 * new secret is shown once with the old one's deadline, as the server set it, beside it.
 */
function RollForm({ id, name, mode }: { id: string; name: string; mode: TokenMode }) {
  const [asking, setAsking] = useState(false);
  const [grace, setGrace] = useState<RollGracePeriod>(DEFAULT_GRACE);
  const [state, roll] = useMutation(RollTokenMutation);
  const error = useCurrentError(state.error);
  const [rolled, setRolled] = useState<{ secret: string; worksUntil: string | null } | null>(null);
  const button = useRef<HTMLButtonElement>(null);

  const confirm = async () => {
    const result = await roll({ id, gracePeriod: grace });
    const answer = result.data?.rollToken;
    if (!answer) return;
    setAsking(false);
    setRolled({ secret: answer.secret, worksUntil: answer.token.previousSecretWorksUntil ?? null });
  };

  if (rolled) {
    return (
      <div class="stack">
        <RolledDeadline worksUntil={rolled.worksUntil} />
        <SecretReveal
          secret={rolled.secret}
          name={name}
          mode={mode}
          onDone={() => {
            setRolled(null);
            // back to the button that started it, not to the top of the page
            requestAnimationFrame(() => button.current?.focus());
          }}
        />
      </div>
    );
  }
  return (
    <div class="stack" data-testid="roll">
      <p class="muted">
        Rolling gives this token a new secret, shown once. You choose how long the current secret keeps working.
      </p>
      <div class="row end">
        <button
          type="button"
          class="secondary"
          ref={button}
          onClick={() => {
            setGrace(DEFAULT_GRACE);
            setAsking(true);
          }}
        >
          Roll secret…
        </button>
      </div>
      {asking && (
        <ConfirmDialog
          title={`Roll the secret of “${name}”?`}
          confirmLabel="Roll secret"
          danger
          busy={state.fetching}
          error={error && describeError(error)}
          onConfirm={() => void confirm()}
          onCancel={() => setAsking(false)}
        >
          <GraceChoice id={id} grace={grace} onChange={setGrace} />
        </ConfirmDialog>
      )}
    </div>
  );
}

/** The grace period as radio buttons (arrow keys move between them), and its deadline in words. */
function GraceChoice({ id, grace, onChange }: { id: string; grace: RollGracePeriod; onChange(grace: RollGracePeriod): void }) {
  // the deadline moves with the clock while the question is open, so it is still true when confirmed
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 5_000);
    return () => clearInterval(timer);
  }, []);
  // the choice held when the dialog opened has focus: the question asked is this one
  const [initial] = useState(grace);
  const chosen = GRACE_CHOICES.find((choice) => choice.value === grace)!;

  return (
    <>
      <fieldset class="grace">
        <legend>Keep the current secret working for</legend>
        {GRACE_CHOICES.map((choice) => (
          <label key={choice.value} class="checkbox">
            <input
              type="radio"
              name={`grace-${id}`}
              value={choice.value}
              checked={grace === choice.value}
              autoFocus={choice.value === initial}
              onChange={() => onChange(choice.value)}
            />
            {choice.label}
          </label>
        ))}
      </fieldset>
      {/* a status, so that a screen reader hears the new deadline when the choice changes */}
      <p role="status" data-testid="roll-deadline" class={chosen.ms === 0 ? 'notice' : undefined}>
        {chosen.ms === 0
          ? 'The current secret stops working as soon as you roll: anything still using it is refused at once (API_TOKEN_ROLLED).'
          : `The current secret keeps working for ${chosen.label}, until ${formatDateTime(new Date(now + chosen.ms).toISOString())}, then stops. Update everything that uses it before then.`}
      </p>
    </>
  );
}

/** After a roll, beside the new secret: until when the previous one works, as the server set it. */
function RolledDeadline({ worksUntil }: { worksUntil: string | null }) {
  return (
    <p class="notice" data-testid="rolled-deadline">
      {worksUntil
        ? `The previous secret works until ${formatDateTime(worksUntil)} (${timeLeftInWords(Date.parse(worksUntil) - Date.now())}), then stops. The new secret works now.`
        : 'The previous secret stopped working now. The new secret works now.'}
    </p>
  );
}
