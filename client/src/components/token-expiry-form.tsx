// A token's expiry, changed after it was made, in its Details (changeTokenExpiry): what it is now,
// in words, and the create form's choices (expiry-field.tsx) for the new one: a preset counted
// from now, a date of one's own, or never, with its warning. The range (a future date up to 365
// days ahead) is the server's rule; the form checks only that a date was chosen within the date
// field's own bounds, and shows the server's refusal (TOKEN_EXPIRY_INVALID) under the field it is
// about, tied to it, with focus moved there. Only a token of the Active tab has this form.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import { graphql } from '../gql';
import type { ErrorCode } from '../gql/error-code';
import { describeError, errorCode } from '../error-messages';
import { useCurrentError } from '../connection-context';
import { DEFAULT_EXPIRY, ExpiryField, expiryInstant, expiryProblem, type ExpiryValue } from './expiry-field';
import { formatDateTime } from './relative-time';
import { timeLeftInWords } from './token-expiry';

// The answer carries the token's new expiry; graphcache writes it into the token by id, so its
// row, its Details facts and this form's "Now:" change from the answer alone.
const ChangeTokenExpiryMutation = graphql(`
  mutation ChangeTokenExpiry($id: ID!, $expiresAt: DateTime) {
    changeTokenExpiry(id: $id, expiresAt: $expiresAt) {
      id
      expiresAt
      status
    }
  }
`);

/** Refusals about the date chosen: shown at the field. Any other (TOKEN_NOT_ACTIVE, the network) is the form's. */
const FIELD_CODES: ErrorCode[] = ['TOKEN_EXPIRY_INVALID', 'TOKEN_EXPIRY_REQUIRED', 'API_TOKEN_RESTRICTED', 'BAD_USER_INPUT'];

const FIELD_ID = 'change-expiry';

/** "Expires on 3 Mar 2026, 14:05 (in 7 days)." or "Never expires." */
export function currentExpiryInWords(expiresAt: string | null | undefined, now = Date.now()): string {
  if (!expiresAt) return 'Never expires.';
  return `Expires on ${formatDateTime(expiresAt)} (${timeLeftInWords(Date.parse(expiresAt) - now)}).`;
}

export function TokenExpiryForm({ id, name, expiresAt }: { id: string; name: string; expiresAt: string | null | undefined }) {
  const [value, setValue] = useState<ExpiryValue>({ choice: DEFAULT_EXPIRY, date: '' });
  const [touched, setTouched] = useState(false);
  const [refusal, setRefusal] = useState<{ message: string } | null>(null);
  const [state, change] = useMutation(ChangeTokenExpiryMutation);
  const shownError = useCurrentError(state.error);
  const [saved, setSaved] = useState('');
  const fieldOf = () => document.getElementById(value.choice === 'CUSTOM' ? `${FIELD_ID}-date` : FIELD_ID);
  const focusField = useRef(false);

  // a refused field gets focus as its message appears (in the same commit): a screen reader reads
  // the field with the message it is described by
  useLayoutEffect(() => {
    if (!focusField.current) return;
    focusField.current = false;
    fieldOf()?.focus();
  });

  const submit = async (event: Event) => {
    event.preventDefault();
    if (state.fetching) return;
    setTouched(true);
    setSaved('');
    setRefusal(null);
    if (expiryProblem(value)) {
      // the field is on screen already, and its problem is said as touched turns true
      fieldOf()?.focus();
      return;
    }
    const result = await change({ id, expiresAt: expiryInstant(value) });
    const answer = result.data?.changeTokenExpiry;
    if (answer) {
      setTouched(false);
      // focus stays on the button (aria-disabled, never disabled, while it works): the status says what changed
      setSaved(
        answer.expiresAt
          ? `Expiry changed: “${name}” now expires on ${formatDateTime(answer.expiresAt)} (${timeLeftInWords(Date.parse(answer.expiresAt) - Date.now())}).`
          : `Expiry changed: “${name}” now never expires.`,
      );
      return;
    }
    const code = errorCode(result.error);
    if (code && FIELD_CODES.includes(code)) {
      setRefusal({ message: result.error!.graphQLErrors[0]!.message });
      focusField.current = true;
    }
  };

  const formError = shownError && !FIELD_CODES.includes(errorCode(shownError)!) ? describeError(shownError) : null;

  return (
    <form onSubmit={submit} class="stack token-expiry-setting" aria-labelledby="expiry-setting-title" noValidate data-testid="expiry-setting">
      <h4 id="expiry-setting-title">Expiry</h4>
      <p data-testid="expiry-setting-now">Now: {currentExpiryInWords(expiresAt)}</p>
      <div class="token-expiry-fields">
        <ExpiryField
          id={FIELD_ID}
          label="New expiry"
          dateLabel="Last day it works"
          value={value}
          onChange={(next) => {
            setValue(next);
            setSaved('');
            setRefusal(null);
            if (next.choice === 'CUSTOM' && next.date) setTouched(true);
          }}
          touched={touched}
          disabled={false}
          refusal={refusal?.message ?? null}
        />
      </div>
      {formError && (
        <p class="error" role="alert">
          {formError}
        </p>
      )}
      <p class="success" role="status" data-testid="expiry-setting-saved">
        {saved}
      </p>
      <div class="row end">
        <button type="submit" aria-disabled={state.fetching ? 'true' : 'false'}>
          Change expiry
        </button>
      </div>
    </form>
  );
}
