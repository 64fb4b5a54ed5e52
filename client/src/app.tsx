// The API Tokens page. The urql client is recreated whenever the session changes, so the
// WebSocket reconnects with the new cookie and no data of the previous account survives.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Provider, useMutation, useQuery } from '@urql/preact';
import { createDashboardClient } from './urql-client';
import { graphql } from './gql';
import { describeError, errorCode } from './error-messages';
import { AuthForm } from './components/auth-form';
import { TokensPage } from './components/tokens-page';
import { ActivityView } from './components/activity-view';
import { LeakBanner } from './components/leak-banner';

const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      id
      email
      planActive
      plan {
        id
        name
      }
    }
    tokenRules {
      nameMaxLength
      maxActiveTokens
    }
    plans {
      id
      name
      monthlyPriceCents
    }
  }
`);

export function App() {
  const [generation, setGeneration] = useState(0);
  const dashboard = useMemo(() => createDashboardClient(), [generation]);
  useEffect(() => () => dashboard.dispose(), [dashboard]);
  const restart = () => setGeneration((value) => value + 1);
  return (
    <Provider value={dashboard.client}>
      <Shell onSessionChange={restart} />
    </Provider>
  );
}

function Shell({ onSessionChange }: { onSessionChange: () => void }) {
  const [{ data, fetching, error }] = useQuery({ query: ViewerQuery });
  const expired = errorCode(error) === 'SESSION_EXPIRED';

  return (
    <div class="page">
      <header class="page-header">
        <div>
          <h1>API Tokens</h1>
          <p class="muted">Manage all the API tokens on the Pogodoc Dashboard.</p>
        </div>
        {data?.viewer && <SignOut email={data.viewer.email} onSignedOut={onSessionChange} />}
      </header>
      {fetching && !data && <p class="muted" role="status">Loading…</p>}
      {error && !expired && <p class="error" role="alert">{describeError(error)}</p>}
      {(expired || (data && !data.viewer)) && (
        <AuthForm notice={expired ? describeError(error!) : undefined} onSignedIn={onSessionChange} />
      )}
      {data?.viewer && !expired && <LeakBanner />}
      {data?.viewer && !expired && <TokensPage viewer={data.viewer} rules={data.tokenRules} plans={data.plans} />}
      {data?.viewer && !expired && <ActivityView />}
    </div>
  );
}

const SignOutMutation = graphql(`
  mutation SignOut {
    signOut
  }
`);

function SignOut({ email, onSignedOut }: { email: string; onSignedOut: () => void }) {
  const [{ fetching }, signOut] = useMutation(SignOutMutation);
  return (
    <div class="account">
      <span class="muted">{email}</span>
      <button type="button" class="secondary" disabled={fetching} onClick={() => void signOut({}).then(onSignedOut)}>
        Sign out
      </button>
    </div>
  );
}
