// Security: two-factor sign-in (enrol an authenticator app with its QR code and one code, keep the
// recovery codes shown once, turn it off with a code) and the signed-in sessions (where, with what,
// last seen; revoke one, or every other).
import { useState } from 'preact/hooks';
import { useMutation, useQuery } from '@urql/preact';
import { graphql } from '../gql';
import { describeError } from '../error-messages';
import { RelativeTime } from './relative-time';

const SecurityQuery = graphql(`
  query Security {
    me {
      id
      twoFactorEnabled
      recoveryCodesLeft
    }
    sessions {
      id
      current
      createdAt
      lastSeenAt
      clientAddress
      userAgent
    }
  }
`);

const StartEnrolmentMutation = graphql(`
  mutation StartTwoFactorEnrolment($password: String!) {
    startTwoFactorEnrolment(password: $password) {
      secret
      qrCodeSvg
    }
  }
`);

const ConfirmMutation = graphql(`
  mutation ConfirmTwoFactor($code: String!) {
    confirmTwoFactor(code: $code)
  }
`);

const DisableMutation = graphql(`
  mutation DisableTwoFactor($code: String!, $password: String!) {
    disableTwoFactor(code: $code, password: $password)
  }
`);

const RevokeSessionMutation = graphql(`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`);

const RevokeOtherSessionsMutation = graphql(`
  mutation RevokeOtherSessions {
    revokeOtherSessions
  }
`);


export function SecuritySettings() {
  const [{ data, error }, refetch] = useQuery({ query: SecurityQuery, requestPolicy: 'cache-and-network' });
  // the mutations answer no entity the cache could update: read the section again after each
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <section class="card security" aria-labelledby="security-title">
      <h2 id="security-title">Security</h2>
      {error && <p class="error" role="alert">{describeError(error)}</p>}
      {data?.me && <TwoFactor enabled={data.me.twoFactorEnabled} recoveryCodesLeft={data.me.recoveryCodesLeft} onChange={reload} />}
      {data && <Sessions sessions={data.sessions} onChange={reload} />}
    </section>
  );
}

function TwoFactor({ enabled, recoveryCodesLeft, onChange }: { enabled: boolean; recoveryCodesLeft: number; onChange: () => void }) {
  const [startState, start] = useMutation(StartEnrolmentMutation);
  const [confirmState, confirm] = useMutation(ConfirmMutation);
  const [disableState, disable] = useMutation(DisableMutation);
  const [enrolment, setEnrolment] = useState<{ secret: string; qrCodeSvg: string } | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  // asked again for both changes: a session left open on someone else's screen is not enough
  const [password, setPassword] = useState('');
  const passwordField = (
    <label>
      Your password
      <input type="password" name="currentPassword" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
    </label>
  );

  const begin = async (event: Event) => {
    event.preventDefault();
    const result = await start({ password });
    if (!result.data) return;
    setPassword('');
    setEnrolment(result.data.startTwoFactorEnrolment);
  };
  const finish = async (event: Event) => {
    event.preventDefault();
    const result = await confirm({ code });
    if (!result.data) return;
    setEnrolment(null);
    setCode('');
    setRecoveryCodes(result.data.confirmTwoFactor);
    onChange();
  };
  const turnOff = async (event: Event) => {
    event.preventDefault();
    const result = await disable({ code, password });
    if (!result.data) return;
    setCode('');
    setPassword('');
    onChange();
  };

  return (
    <div class="two-factor">
      <h3>Two-factor sign-in</h3>
      {recoveryCodes && (
        <div class="recovery-codes" role="region" aria-label="Recovery codes">
          <p>
            <strong>Two-factor sign-in is on.</strong> Save these recovery codes somewhere safe: each signs in once without your app, and
            they are shown only now.
          </p>
          <ul>
            {recoveryCodes.map((recovery) => (
              <li key={recovery}>
                <code>{recovery}</code>
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => setRecoveryCodes(null)}>
            I saved them
          </button>
        </div>
      )}
      {!recoveryCodes && enabled && (
        <form onSubmit={turnOff}>
          <p>
            On: signing in asks for a code from your authenticator app. {recoveryCodesLeft} recovery code{recoveryCodesLeft === 1 ? '' : 's'} left.
          </p>
          {passwordField}
          <label>
            Code to turn it off
            <input name="disableCode" autoComplete="one-time-code" required value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </label>
          {disableState.error && <p class="error" role="alert">{describeError(disableState.error)}</p>}
          <button type="submit" class="secondary" disabled={disableState.fetching}>
            Turn off two-factor
          </button>
        </form>
      )}
      {!recoveryCodes && !enabled && !enrolment && (
        <form onSubmit={begin}>
          <p>Off: the password alone signs in. Add an authenticator app so that a stolen password is not enough.</p>
          {passwordField}
          {startState.error && <p class="error" role="alert">{describeError(startState.error)}</p>}
          <button type="submit" disabled={startState.fetching}>
            Turn on two-factor
          </button>
        </form>
      )}
      {!enabled && enrolment && (
        <form onSubmit={finish}>
          <p>Scan this QR code with your authenticator app, or type the key, then enter the code the app shows.</p>
          <img class="qr-code" alt="QR code for your authenticator app" width={200} height={200} src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrCodeSvg)}`} />
          <p>
            Key: <code class="two-factor-secret">{enrolment.secret}</code>
          </p>
          <label>
            Code from the app
            <input name="enrolCode" autoComplete="one-time-code" inputMode="numeric" required value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </label>
          {confirmState.error && <p class="error" role="alert">{describeError(confirmState.error)}</p>}
          <button type="submit" disabled={confirmState.fetching}>
            Confirm and turn on
          </button>
        </form>
      )}
    </div>
  );
}

interface SessionRow {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string | null;
  clientAddress: string | null;
  userAgent: string | null;
}

function Sessions({ sessions, onChange }: { sessions: SessionRow[]; onChange: () => void }) {
  const [revokeState, revoke] = useMutation(RevokeSessionMutation);
  const [othersState, revokeOthers] = useMutation(RevokeOtherSessionsMutation);
  const error = revokeState.error ?? othersState.error;
  return (
    <div class="sessions">
      <h3>Sessions</h3>
      {/* scrolls by itself on a narrow screen: a User-Agent is long, and the page must not scroll sideways */}
      <div class="table-scroll" tabIndex={0} role="group" aria-label="Sessions">
        <table>
          <thead>
            <tr>
              <th scope="col">Signed in from</th>
              <th scope="col">Browser or client</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last seen</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((session) => (
              <tr key={session.id}>
                <td>{session.clientAddress ?? 'unknown'}</td>
                <td class="user-agent">{session.userAgent ?? 'unknown'}</td>
                <td>
                  <RelativeTime iso={session.createdAt} />
                </td>
                <td>{session.lastSeenAt ? <RelativeTime iso={session.lastSeenAt} /> : '—'}</td>
                <td>
                  {session.current ? (
                    <span class="badge">This session</span>
                  ) : (
                    <button type="button" class="secondary" disabled={revokeState.fetching} onClick={() => void revoke({ id: session.id }).then(onChange)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {error && <p class="error" role="alert">{describeError(error)}</p>}
      {sessions.length > 1 && (
        <button type="button" class="secondary" disabled={othersState.fetching} onClick={() => void revokeOthers({}).then(onChange)}>
          Sign out all other sessions
        </button>
      )}
    </div>
  );
}
