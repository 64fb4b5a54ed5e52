// Notifications: the address mail goes to (and changing it, confirmed with the password), and which
// notifications the person gets by mail, one checkbox per kind. Security notices are always sent:
// their boxes stay checked and cannot be changed (the server says which, with canTurnOff).
// Preferences are the person's, whichever team the page works in.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useMutation, useQuery } from '@urql/preact';
import type { CombinedError } from '@urql/core';
import { graphql } from '../gql';
import type { NotificationKind } from '../gql/graphql';
import { describeError, errorCode } from '../error-messages';

const NotificationSettingsQuery = graphql(`
  query NotificationSettings {
    me {
      id
      email
      emailVerified
    }
    notificationPreferences {
      kind
      enabled
      canTurnOff
    }
  }
`);

// the answer is every preference; the cache keys them by kind, so the list above updates itself
const SetNotificationPreferenceMutation = graphql(`
  mutation SetNotificationPreference($kind: NotificationKind!, $enabled: Boolean!) {
    setNotificationPreference(kind: $kind, enabled: $enabled) {
      kind
      enabled
      canTurnOff
    }
  }
`);

// the answer is the person's account: the cache updates the address (and its banner) everywhere
const ChangeEmailMutation = graphql(`
  mutation ChangeEmail($email: String!, $password: String!) {
    changeEmail(email: $email, password: $password) {
      id
      email
      emailVerified
    }
  }
`);

/** Each kind in words; a kind the schema adds fails the type check until it has its words here. */
const KIND_WORDS: Record<NotificationKind, string> = {
  TOKEN_LEAKED: 'A token was found in public and revoked',
  NEW_SIGN_IN: 'A sign-in to your account from a new browser',
  TOKEN_EXPIRING: 'A token expires soon',
  TOKEN_EXPIRED: 'A token has expired',
  QUOTA_WARNING: 'Usage nears the plan\u2019s monthly documents',
  QUOTA_REACHED: 'Usage reached the plan\u2019s monthly documents',
  REVOKED_TOKEN_USED: 'A revoked token is still being used',
  MEMBER_JOINED: 'Someone joined a team',
  REMOVED_FROM_TEAM: 'You were removed from a team',
};

export function NotificationSettings() {
  const [{ data, error }] = useQuery({ query: NotificationSettingsQuery, requestPolicy: 'cache-and-network' });
  return (
    <section class="card notifications" aria-labelledby="notifications-title">
      <h2 id="notifications-title">Notifications</h2>
      {error && <p class="error" role="alert">{describeError(error)}</p>}
      {data?.me.email && <EmailAddress email={data.me.email} verified={data.me.emailVerified} />}
      {data && <Preferences preferences={data.notificationPreferences} verified={data.me.emailVerified} />}
    </section>
  );
}

function EmailAddress({ email, verified }: { email: string; verified: boolean }) {
  const [state, change] = useMutation(ChangeEmailMutation);
  const [open, setOpen] = useState(false);
  const [newEmail, setNewEmail] = useState('');
  const [password, setPassword] = useState('');
  const [changedTo, setChangedTo] = useState<string | null>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const firstField = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (open) firstField.current?.focus();
  }, [open]);
  const close = () => {
    setOpen(false);
    setNewEmail('');
    setPassword('');
    // focus goes back to what opened the form
    setTimeout(() => opener.current?.focus());
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    const result = await change({ email: newEmail, password });
    const account = result.data?.changeEmail;
    if (!account) return;
    setChangedTo(account.email ?? newEmail);
    close();
  };
  return (
    <div class="email-address">
      <h3>E-mail address</h3>
      <p>
        We e-mail <strong>{email}</strong>{' '}
        {verified ? <span class="badge verified">Verified</span> : <span class="badge unverified">Not verified yet</span>}
      </p>
      <button type="button" class="secondary" ref={opener} aria-expanded={open} aria-controls="change-email" onClick={() => (open ? close() : setOpen(true))}>
        Change e-mail
      </button>
      {open && (
        <form id="change-email" class="change-email" onSubmit={submit}>
          <p id="change-email-hint">
            We send a link to the new address, and it is not verified until you follow it: until then you cannot invite people to a team or join
            one, and we send you no notifications. We tell {email} about the change.
          </p>
          <label>
            New e-mail address
            <input
              ref={firstField}
              type="email"
              name="newEmail"
              autoComplete="email"
              aria-describedby="change-email-hint"
              required
              value={newEmail}
              onInput={(e) => setNewEmail(e.currentTarget.value)}
            />
          </label>
          <label>
            Your current password
            <input
              type="password"
              name="changeEmailPassword"
              autoComplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          {state.error && (
            <p class="error" role="alert">
              {changeFailure(state.error)}
            </p>
          )}
          <div class="row">
            <button type="submit" disabled={state.fetching}>
              Save the new address
            </button>
            <button type="button" class="secondary" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <p role="status">{changedTo && `Your address is now ${changedTo}. We sent a link to it: follow it to verify the address.`}</p>
    </div>
  );
}

function changeFailure(error: CombinedError): string {
  // the server's words name the two-factor form, where this code is met first
  if (errorCode(error) === 'PASSWORD_INCORRECT') return 'That is not your current password.';
  return describeError(error);
}

interface Preference {
  kind: NotificationKind;
  enabled: boolean;
  canTurnOff: boolean;
}

function Preferences({ preferences, verified }: { preferences: Preference[]; verified: boolean }) {
  const [state, setPreference] = useMutation(SetNotificationPreferenceMutation);
  const [saved, setSaved] = useState<string | null>(null);
  // the boxes as the person set them while the server saves: a render meanwhile must not undo a click
  const [pending, setPending] = useState<Partial<Record<NotificationKind, boolean>>>({});
  const toggle = async (kind: NotificationKind, enabled: boolean) => {
    setSaved(null);
    setPending((shown) => ({ ...shown, [kind]: enabled }));
    const result = await setPreference({ kind, enabled });
    // saved: the cache holds the answer; refused: the box shows the saved state again
    setPending(({ [kind]: _done, ...others }) => others);
    if (result.data) setSaved(`${enabled ? 'On' : 'Off'}: ${KIND_WORDS[kind].toLowerCase()}.`);
  };
  return (
    <fieldset class="preferences">
      <legend>
        <h3>E-mail me when</h3>
      </legend>
      <p class="muted">
        About your personal team and the teams you own or administer.{' '}
        {verified ? 'Security notices are always sent.' : 'Nothing is sent until your address is verified.'}
      </p>
      <ul>
        {preferences.map((preference) => (
          <li key={preference.kind}>
            <label class="checkbox">
              <input
                type="checkbox"
                name={`notify-${preference.kind}`}
                checked={pending[preference.kind] ?? preference.enabled}
                disabled={!preference.canTurnOff}
                onChange={(event) => void toggle(preference.kind, event.currentTarget.checked)}
              />
              {KIND_WORDS[preference.kind]}
              {!preference.canTurnOff && <span class="always-sent"> (always sent)</span>}
            </label>
          </li>
        ))}
      </ul>
      <p role="status" class="saved">
        {saved}
      </p>
      {state.error && (
        <p class="error" role="alert">
          {describeError(state.error)}
        </p>
      )}
    </fieldset>
  );
}
