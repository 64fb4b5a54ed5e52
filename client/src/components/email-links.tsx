// What the dashboard does with the links in its e-mails (link-fragment.ts reads them):
// - #verify=<token>: follows it at once, signed in or not (the token is the credential), says how it
//   went and what to do next, and reads the person's address state again so the banner goes;
// - #reset=<token>: a page of its own to choose a new password. The reset signs every session of
//   the account out, this page's own included, so success leads to the sign-in form.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useClient, useMutation } from '@urql/preact';
import type { CombinedError } from '@urql/core';
import { graphql } from '../gql';
import { describeError, errorCode } from '../error-messages';
import { forgetFragment } from '../link-fragment';
import { PASSWORD_MIN_LENGTH } from './auth-form';
import { EmailStateQuery } from './email-verification-banner';

const VerifyEmailMutation = graphql(`
  mutation VerifyEmail($token: String!) {
    verifyEmail(token: $token)
  }
`);

const ResetPasswordMutation = graphql(`
  mutation ResetPassword($token: String!, $password: String!) {
    resetPassword(token: $token, password: $password)
  }
`);

function verificationFailure(error: CombinedError, signedIn: boolean): string {
  const sendAgain = signedIn
    ? 'use \u201cSend the link again\u201d at the top of the page'
    : 'sign in and use \u201cSend the link again\u201d at the top of the page';
  switch (errorCode(error)) {
    case 'EMAIL_LINK_INVALID':
      return `This verification link does not work: it was used already, a newer one was sent, or it was copied incompletely. If your address is not verified yet, ${sendAgain} for a new link.`;
    case 'EMAIL_LINK_EXPIRED':
      return `This verification link has expired: links work for 24 hours. To get a new one, ${sendAgain}.`;
    default:
      return describeError(error);
  }
}

interface VerifyProps {
  token: string;
  /** Whether the page has a session: the address state is read again only then. */
  signedIn: boolean;
  onDismiss(): void;
}

/** The outcome of a verification link opened in the dashboard. Keyed on the token: one attempt per link. */
export function VerifyEmailOutcome({ token, signedIn, onDismiss }: VerifyProps) {
  const [state, verify] = useMutation(VerifyEmailMutation);
  const client = useClient();
  const heading = useRef<HTMLHeadingElement>(null);
  const signedInNow = useRef(signedIn);
  signedInNow.current = signedIn;
  // a layout effect, so that the page never shows with the secret still in the address bar
  useLayoutEffect(() => {
    // the secret is in memory now; a reload must not send a used link again
    forgetFragment();
    heading.current?.focus();
    void verify({ token }).then((result) => {
      if (result.data?.verifyEmail && signedInNow.current) void client.query(EmailStateQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    });
  }, []);
  const verified = state.data?.verifyEmail === true;
  const dismiss = () => {
    onDismiss();
    // the card and its button go: focus goes to the top of the page, not to the document's end
    requestAnimationFrame(() => document.getElementById('page-title')?.focus());
  };
  return (
    <section class="card email-link" aria-labelledby="verify-title" data-testid="verify-outcome">
      <h2 id="verify-title" tabIndex={-1} ref={heading}>
        E-mail address verification
      </h2>
      <p role="status">
        {state.fetching && 'Verifying your e-mail address\u2026'}
        {verified &&
          `Your e-mail address is verified. You can invite people to a team and join one, and we e-mail you notifications.${signedIn ? '' : ' Sign in to continue.'}`}
      </p>
      {state.error && (
        <p class="error" role="alert">
          {verificationFailure(state.error, signedIn)}
        </p>
      )}
      {!state.fetching && (
        <button type="button" class="secondary" onClick={dismiss}>
          Dismiss
        </button>
      )}
    </section>
  );
}

function resetFailure(error: CombinedError): string {
  switch (errorCode(error)) {
    case 'EMAIL_LINK_INVALID':
      return 'This reset link does not work: it was used already, a newer one was sent, or it was copied incompletely. Ask for a new one with \u201cForgot your password?\u201d on the sign-in form.';
    case 'EMAIL_LINK_EXPIRED':
      return 'This reset link has expired: links work for 1 hour. Ask for a new one with \u201cForgot your password?\u201d on the sign-in form.';
    default:
      // PASSWORD_TOO_SHORT and PASSWORD_TOO_LONG name the rule in words
      return describeError(error);
  }
}

interface ResetProps {
  token: string;
  /** The password was changed and every session of the account ended. */
  onReset(): void;
  /** Back to the dashboard (or the sign-in form) without changing anything. */
  onCancel(): void;
}

/** "Choose a new password": the page a reset link opens. */
export function ResetPasswordPage({ token, onReset, onCancel }: ResetProps) {
  const [state, reset] = useMutation(ResetPasswordMutation);
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const confirmField = useRef<HTMLInputElement>(null);
  // a layout effect, so that the page never shows with the secret still in the address bar
  useLayoutEffect(() => {
    // the secret is in memory now: out of the address bar while the person types
    forgetFragment();
    heading.current?.focus();
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (password !== confirmation) {
      setMismatch(true);
      confirmField.current?.focus();
      return;
    }
    setMismatch(false);
    const result = await reset({ token, password });
    if (result.data?.resetPassword) onReset();
  };
  return (
    <section class="card auth reset-password" aria-labelledby="reset-title">
      <h2 id="reset-title" tabIndex={-1} ref={heading}>
        Choose a new password
      </h2>
      <p>For the account this link was sent to. Every session of the account is signed out: sign in again with the new password afterwards.</p>
      <form onSubmit={submit}>
        <label>
          New password
          <input
            type="password"
            name="newPassword"
            autoComplete="new-password"
            minLength={PASSWORD_MIN_LENGTH}
            aria-describedby="new-password-rule"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <p id="new-password-rule" class="muted field-hint">
          At least {PASSWORD_MIN_LENGTH} characters.
        </p>
        <label>
          Confirm the new password
          <input
            ref={confirmField}
            type="password"
            name="confirmNewPassword"
            autoComplete="new-password"
            aria-invalid={mismatch}
            aria-describedby={mismatch ? 'password-mismatch' : undefined}
            required
            value={confirmation}
            onInput={(e) => setConfirmation(e.currentTarget.value)}
          />
        </label>
        {mismatch && (
          <p id="password-mismatch" class="error" role="alert">
            The two passwords differ. Type the same new password in both fields.
          </p>
        )}
        {state.error && (
          <p class="error" role="alert">
            {resetFailure(state.error)}
          </p>
        )}
        <div class="row">
          <button type="submit" disabled={state.fetching}>
            Set the new password
          </button>
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
