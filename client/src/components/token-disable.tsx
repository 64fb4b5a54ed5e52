// Disabling a token (issue #25): a pause short of deleting it. A disabled token is refused with
// API_TOKEN_DISABLED (401) on its next request, yet keeps its place in the Active tab (its slot
// among the account's tokens), its secret and its history, and can be enabled again. Its row says
// "Disabled" in words (not a colour alone), and so do its Details, where the one button switches
// between "Disable token" and "Enable token".
import { useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import { graphql } from '../gql';
import { describeError } from '../error-messages';
import { useCurrentError } from '../connection-context';
import { formatDateTime } from './relative-time';

// The answers carry the token's new state; graphcache writes it into the token by id, so its row
// and its Details change from the answer alone, with no list read again.
const DisableTokenMutation = graphql(`
  mutation DisableToken($id: ID!) {
    disableToken(id: $id) {
      id
      disabledAt
      status
    }
  }
`);

const EnableTokenMutation = graphql(`
  mutation EnableToken($id: ID!) {
    enableToken(id: $id) {
      id
      disabledAt
      status
    }
  }
`);

const since = (disabledAt: string) => `Disabled since ${formatDateTime(disabledAt)}`;

/** " Disabled" beside the token's name in its row (with the space that parts it from the name). */
export function TokenDisabledBadge({ disabledAt }: { disabledAt: string | null | undefined }) {
  if (!disabledAt) return null;
  return (
    <>
      {' '}
      <span class="badge disabled" data-testid="row-disabled" title={`${since(disabledAt)}: requests with its secret are refused`}>
        Disabled<span class="visually-hidden">: disabled since {formatDateTime(disabledAt)}, requests with its secret are refused</span>
      </span>
    </>
  );
}

/** The Details fact: since when, and what that means for requests. */
export function DisabledFact({ disabledAt }: { disabledAt: string | null | undefined }) {
  if (!disabledAt) return null;
  return (
    <>
      <dt>State</dt>
      <dd data-testid="details-disabled">{since(disabledAt)}: every request with its secret is refused (API_TOKEN_DISABLED).</dd>
    </>
  );
}

/**
 * "Disable token" / "Enable token" in Details. One button whose label follows the state, so focus
 * stays on it after each press (and a keyboard user can undo with the same key); a status line
 * says what happened. aria-disabled rather than disabled while it works: disabled would drop focus.
 */
export function DisableToken({ id, name, disabledAt }: { id: string; name: string; disabledAt: string | null | undefined }) {
  const [disableState, disable] = useMutation(DisableTokenMutation);
  const [enableState, enable] = useMutation(EnableTokenMutation);
  const [last, setLast] = useState<'disable' | 'enable' | null>(null);
  // what the last press did, shown while it is still true (the token can change elsewhere too)
  const [done, setDone] = useState<{ disabled: boolean; message: string } | null>(null);
  const error = useCurrentError(last === 'disable' ? disableState.error : last === 'enable' ? enableState.error : undefined);
  const busy = disableState.fetching || enableState.fetching;
  const disabled = Boolean(disabledAt);
  const explanation = `token-disable-help-${id}`;

  const toggle = async () => {
    if (busy) return;
    const action = disabled ? 'enable' : 'disable';
    setLast(action);
    setDone(null);
    const result = action === 'disable' ? await disable({ id }) : await enable({ id });
    if (result.error) return; // said below, and the button keeps focus for another try
    setDone(
      action === 'disable'
        ? { disabled: true, message: `Disabled “${name}”. Requests with its secret are refused until you enable it again.` }
        : { disabled: false, message: `Enabled “${name}”. Its secret works again.` },
    );
  };

  return (
    <div class="stack" data-testid="disable">
      <p class="muted" id={explanation}>
        {disabled
          ? 'This token is disabled: every request with its secret is refused with API_TOKEN_DISABLED. Enabling it makes the same secret work again at once; nothing needs updating.'
          : 'Disabling stops this token at once without deleting it: requests with its secret are refused with API_TOKEN_DISABLED. It keeps its slot, its secret and its history, and can be enabled again.'}
      </p>
      {error && (
        <p class="error" role="alert">
          {describeError(error)}
        </p>
      )}
      <p class="success" role="status" data-testid="disable-outcome">
        {done?.disabled === disabled ? done.message : ''}
      </p>
      <div class="row end">
        <button type="button" class="secondary" aria-describedby={explanation} aria-disabled={busy} onClick={() => void toggle()}>
          {disabled ? 'Enable token' : 'Disable token'}
        </button>
      </div>
    </div>
  );
}
