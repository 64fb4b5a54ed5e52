// The API Tokens page. The urql client is recreated whenever the account changes, so the
// WebSocket reconnects with the new cookie and no data of the previous account survives. When the
// session expires, the page stays where it was behind the sign-in form: signing in to the same
// account again reads everything afresh and resumes the live counts without losing the user's place.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Client } from '@urql/core';
import { Provider, useClient, useMutation, useQuery } from '@urql/preact';
import { createDashboardClient, DELETED_PAGE_SIZE, DeletedTokensQuery, TokensQuery } from './urql-client';
import { ConnectionContext } from './connection-context';
import { SessionExpiredContext } from './session-context';
import { graphql } from './gql';
import { describeError, errorCode } from './error-messages';
import { AuthForm } from './components/auth-form';
import { ConnectionIndicator } from './components/connection-indicator';
import { TokensPage } from './components/tokens-page';
import { ActivityView } from './components/activity-view';
import { SecuritySettings } from './components/security-settings';
import { LeakBanner } from './components/leak-banner';

const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      id
      email
      ...AccountPlanState
    }
    tokenRules {
      nameMaxLength
      maxActiveTokens
    }
    plans {
      id
      name
      monthlyPriceCents
      monthlyDocumentQuota
    }
  }
`);

/** Everything the page shows, read from the server past the cache (after an outage or a sign-in). */
function refetchAll(client: Client) {
  const fresh = { requestPolicy: 'network-only' } as const;
  void client.query(ViewerQuery, {}, fresh).toPromise();
  void client.query(TokensQuery, { status: 'ACTIVE' }, fresh).toPromise();
  // the Deleted tab's first page: where tokens deleted elsewhere meanwhile appear
  void client.query(DeletedTokensQuery, { first: DELETED_PAGE_SIZE, after: null }, fresh).toPromise();
}

export function App() {
  const [generation, setGeneration] = useState(0);
  const [expired, setExpired] = useState(false);
  const dashboard = useMemo(
    () => createDashboardClient({ onSessionExpired: () => setExpired(true), refetch: refetchAll }),
    [generation],
  );
  useEffect(() => () => dashboard.dispose(), [dashboard]);
  const restart = () => {
    setExpired(false);
    setGeneration((value) => value + 1);
  };
  const resume = () => {
    setExpired(false);
    dashboard.refresh();
  };
  return (
    <Provider value={dashboard.client}>
      <ConnectionContext.Provider value={dashboard.connection}>
        <Shell expired={expired} onSignedOut={restart} onSignedIn={(sameAccount) => (sameAccount ? resume() : restart())} />
      </ConnectionContext.Provider>
    </Provider>
  );
}

interface ShellProps {
  expired: boolean;
  onSignedIn(sameAccount: boolean): void;
  onSignedOut(): void;
}

function Shell({ expired, onSignedIn, onSignedOut }: ShellProps) {
  const client = useClient();
  const [{ data, fetching, error }] = useQuery({ query: ViewerQuery });
  const sessionExpired = expired || errorCode(error) === 'SESSION_EXPIRED';
  // the last account shown: the page stays mounted (hidden) behind the sign-in form after expiry
  const lastShown = useRef(data?.viewer ? data : null);
  if (data?.viewer) lastShown.current = data;
  const shown = data?.viewer ? data : sessionExpired ? lastShown.current : null;
  const viewer = shown?.viewer;

  return (
    <div class="page">
      <header class="page-header">
        <div class="page-title">
          <h1>API Tokens</h1>
          <p class="muted">Manage all the API tokens on the Pogodoc Dashboard.</p>
        </div>
        {viewer && !sessionExpired && (
          <div class="account">
            <ConnectionIndicator />
            <span class="muted account-email">{viewer.email}</span>
            <SignOut onSignedOut={onSignedOut} />
          </div>
        )}
      </header>
      <main>
        {fetching && !data && <p class="muted" role="status">Loading…</p>}
        {error && !sessionExpired && <p class="error" role="alert">{describeError(error)}</p>}
        {(sessionExpired || (data && !data.viewer)) && (
          <AuthForm
            notice={sessionExpired ? 'Your session has expired. Sign in again to manage your tokens.' : undefined}
            onSignedIn={(accountId) => onSignedIn(accountId === lastShown.current?.viewer?.id)}
          />
        )}
        {shown && viewer && (
          <div hidden={sessionExpired}>
            <SessionExpiredContext.Provider value={sessionExpired}>
              <LeakBanner onLeak={() => refetchAll(client)} />
              <TokensPage viewer={viewer} rules={shown.tokenRules} plans={shown.plans} live={!sessionExpired} />
              <ActivityView />
              <SecuritySettings />
            </SessionExpiredContext.Provider>
          </div>
        )}
      </main>
    </div>
  );
}

const SignOutMutation = graphql(`
  mutation SignOut {
    signOut
  }
`);

function SignOut({ onSignedOut }: { onSignedOut: () => void }) {
  const [{ fetching }, signOut] = useMutation(SignOutMutation);
  return (
    <button type="button" class="secondary" disabled={fetching} onClick={() => void signOut({}).then(onSignedOut)}>
      Sign out
    </button>
  );
}
