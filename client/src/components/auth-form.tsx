import { useEffect, useRef, useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import { graphql } from '../gql';
import { describeError, errorCode } from '../error-messages';

const SignInMutation = graphql(`
  mutation SignIn($email: String!, $password: String!, $twoFactorCode: String) {
    signIn(email: $email, password: $password, twoFactorCode: $twoFactorCode) {
      expiresAt
      account {
        id
      }
    }
  }
`);

const SignUpMutation = graphql(`
  mutation SignUp($email: String!, $password: String!) {
    signUp(email: $email, password: $password) {
      expiresAt
      account {
        id
      }
    }
  }
`);

const RequestPasswordResetMutation = graphql(`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

/** The server's rule (domain/accounts.ts PASSWORD_MIN_LENGTH), shown before the first submit. */
export const PASSWORD_MIN_LENGTH = 8;

/** `notice`: why the form is shown (an expired session); focus moves to it, so it is read first. */
export function AuthForm({ notice, onSignedIn }: { notice?: string; onSignedIn: (accountId: string) => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (notice) heading.current?.focus();
  }, [notice]);
  const [mode, setMode] = useState<'signIn' | 'signUp' | 'forgot'>('signIn');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // shown once the server asks for it (TWO_FACTOR_REQUIRED): the account has two-factor on
  const [askCode, setAskCode] = useState(false);
  const [twoFactorCode, setTwoFactorCode] = useState('');
  const codeInput = useRef<HTMLInputElement>(null);
  const forgotButton = useRef<HTMLButtonElement>(null);
  const [signInState, signIn] = useMutation(SignInMutation);
  const [signUpState, signUp] = useMutation(SignUpMutation);
  const state = mode === 'signIn' ? signInState : signUpState;

  if (mode === 'forgot') {
    return (
      <ForgotPassword
        email={email}
        onEmail={setEmail}
        onBack={() => {
          setMode('signIn');
          // back to what opened the form, once the sign-in form is there again
          setTimeout(() => forgotButton.current?.focus());
        }}
      />
    );
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    const result = mode === 'signIn' ? await signIn({ email, password, twoFactorCode: askCode ? twoFactorCode : null }) : await signUp({ email, password });
    const session = result.data && ('signIn' in result.data ? result.data.signIn : result.data.signUp);
    if (session) return onSignedIn(session.account.id);
    if (mode === 'signIn' && errorCode(result.error) === 'TWO_FACTOR_REQUIRED') {
      setAskCode(true);
      // after the field renders
      setTimeout(() => codeInput.current?.focus());
    }
  };
  const codeAsked = mode === 'signIn' && askCode;
  const stateError = state.error && !(codeAsked && errorCode(state.error) === 'TWO_FACTOR_REQUIRED') ? state.error : undefined;

  return (
    <section class="card auth" aria-labelledby="auth-title">
      <h2 id="auth-title" tabIndex={-1} ref={heading}>{mode === 'signIn' ? 'Sign in' : 'Create an account'}</h2>
      {notice && <p class="notice" role="alert">{notice}</p>}
      <form onSubmit={submit}>
        <label>
          Email
          <input type="email" name="email" autoComplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete={mode === 'signIn' ? 'current-password' : 'new-password'}
            minLength={mode === 'signUp' ? PASSWORD_MIN_LENGTH : undefined}
            aria-describedby={mode === 'signUp' ? 'password-rule' : undefined}
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {mode === 'signUp' && (
          <p id="password-rule" class="muted field-hint">
            At least {PASSWORD_MIN_LENGTH} characters.
          </p>
        )}
        {mode === 'signIn' && (
          <p class="field-hint">
            <button type="button" class="link" ref={forgotButton} onClick={() => setMode('forgot')}>
              Forgot your password?
            </button>
          </p>
        )}
        {codeAsked && (
          <label>
            Two-factor code
            <input
              ref={codeInput}
              name="twoFactorCode"
              autoComplete="one-time-code"
              aria-describedby="code-hint"
              required
              value={twoFactorCode}
              onInput={(e) => setTwoFactorCode(e.currentTarget.value)}
            />
          </label>
        )}
        {codeAsked && (
          <p id="code-hint" class="muted field-hint">
            The 6-digit code from your authenticator app, or one of your recovery codes.
          </p>
        )}
        {stateError && <p class="error" role="alert">{describeError(stateError)}</p>}
        <button type="submit" disabled={state.fetching}>
          {mode === 'signIn' ? 'Sign in' : 'Sign up'}
        </button>
      </form>
      <p class="muted">
        {mode === 'signIn' ? 'No account yet? ' : 'Already have an account? '}
        <button type="button" class="link" onClick={() => setMode(mode === 'signIn' ? 'signUp' : 'signIn')}>
          {mode === 'signIn' ? 'Sign up' : 'Sign in'}
        </button>
      </p>
    </section>
  );
}

/**
 * Asks for a reset link. The answer is the same whether the address has an account or not (the
 * server says nothing about which addresses have accounts), so the page says the same too.
 */
function ForgotPassword({ email, onEmail, onBack }: { email: string; onEmail(email: string): void; onBack(): void }) {
  const [state, request] = useMutation(RequestPasswordResetMutation);
  const [askedFor, setAskedFor] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const submit = async (event: Event) => {
    event.preventDefault();
    setAskedFor(null);
    const result = await request({ email });
    if (result.data?.requestPasswordReset) setAskedFor(email);
  };
  return (
    <section class="card auth" aria-labelledby="forgot-title">
      <h2 id="forgot-title" tabIndex={-1} ref={heading}>
        Reset your password
      </h2>
      <p>Enter the address you sign in with. We e-mail it a link to choose a new password.</p>
      <form onSubmit={submit}>
        <label>
          Email
          <input type="email" name="resetEmail" autoComplete="email" required value={email} onInput={(e) => onEmail(e.currentTarget.value)} />
        </label>
        {/* always in the page, so that a screen reader announces the text when it appears */}
        <p role="status">{askedFor && 'If an account has this address, we sent it a link (valid 1 hour).'}</p>
        {state.error && (
          <p class="error" role="alert">
            {describeError(state.error)}
          </p>
        )}
        <button type="submit" disabled={state.fetching}>
          Send the link
        </button>
      </form>
      <p class="muted">
        <button type="button" class="link" onClick={onBack}>
          Back to sign in
        </button>
      </p>
    </section>
  );
}
