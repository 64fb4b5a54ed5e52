// A token's Danger zone in its Details: what is hard or impossible to take back. Rolling its
// secret, disabling (or enabling) it, and deleting it, each asking first where it cannot be undone.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import { graphql } from '../gql';
import type { RollGracePeriod, TokenMode } from '../gql/graphql';
import { describeError } from '../error-messages';
import { useCurrentError } from '../connection-context';
import { ConfirmDialog } from './confirm-dialog';
import { DeleteDialog } from './delete-dialog';
import { formatDateTime } from './relative-time';
import { SecretReveal } from './secret-reveal';
import { DisableToken } from './token-disable';
import { timeLeftInWords } from './token-expiry';

// the answer is a row of the list (TokenRow), as the list's own DeleteToken asks (token-tabs.tsx):
// graphcache's deleteToken updater (urql-client.ts) then moves it from the Active tab to the
// Deleted one, whichever of the two deleted it
const DeleteTokenFromDetailsMutation = graphql(`
  mutation DeleteTokenFromDetails($id: ID!) {
    deleteToken(id: $id) {
      ...TokenRow
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
 * Roll, Disable or Enable, and Delete, for an active token. `onDeleted`: the token is gone, so its
 * Details close.
 */
export function DangerZone(props: {
  id: string;
  name: string;
  mode: TokenMode;
  disabledAt: string | null | undefined;
  lastUsedAt: string | null | undefined;
  onDeleted(): void;
}) {
  return (
    <>
      <RollForm id={props.id} name={props.name} mode={props.mode} />
      <DisableToken id={props.id} name={props.name} disabledAt={props.disabledAt} />
      <DeleteToken id={props.id} name={props.name} lastUsedAt={props.lastUsedAt} onDeleted={props.onDeleted} />
    </>
  );
}

/**
 * "Delete token…" asks first, with the same question as the list's Delete button (DeleteDialog:
 * the warning when the token was used in the last week, and that it cannot be undone). Cancel
 * gives focus back to this button; a failed delete keeps the question open and says why.
 */
function DeleteToken({ id, name, lastUsedAt, onDeleted }: { id: string; name: string; lastUsedAt: string | null | undefined; onDeleted(): void }) {
  const [asking, setAsking] = useState(false);
  const [state, deleteToken] = useMutation(DeleteTokenFromDetailsMutation);
  const error = useCurrentError(state.error);
  const explanation = `token-delete-help-${id}`;
  return (
    <div class="stack" data-testid="delete">
      <p class="muted" id={explanation}>
        Deleting stops this token for good: requests with its secret are refused at once, and it cannot be enabled again. It
        stays in the Deleted tab for audit.
      </p>
      <div class="row end">
        <button type="button" class="danger" aria-describedby={explanation} onClick={() => setAsking(true)}>
          Delete token…
        </button>
      </div>
      {asking && (
        <DeleteDialog
          name={name}
          lastUsedAt={lastUsedAt}
          busy={state.fetching}
          error={error && describeError(error)}
          onCancel={() => setAsking(false)}
          onConfirm={async () => {
            const result = await deleteToken({ id });
            if (result.error) return; // the dialog stays open and says why
            setAsking(false);
            onDeleted();
          }}
          // none of its own: back to this button, or, once the token is gone, Details close and
          // give focus back to the list themselves (token-tabs.tsx)
          focusAfter={() => null}
        />
      )}
    </div>
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
