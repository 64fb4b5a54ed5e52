// The API Tokens page. The urql client is recreated whenever the account or the team changes, so
// the WebSocket reconnects with the new cookie and team, and no data of the previous one survives. When the
// session expires, the page stays where it was behind the sign-in form: signing in to the same
// account again reads everything afresh and resumes the live counts without losing the user's place.
// The links of the e-mails open here (#verify=, #reset=; components/email-links.tsx), with or
// without a session; a password reset signs the account out everywhere, so the page starts afresh.
// Each view has an address in the fragment (view-route.ts): the token list and its tabs, a token's
// Details, and each section below it, which the address scrolls to and focuses.
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
import { storedTeam, storeTeam, TeamsQuery, TeamSwitcher } from './components/team-switcher';
import { TeamMembers } from './components/team-members';
import { EmailVerificationBanner } from './components/email-verification-banner';
import { ResetPasswordPage, VerifyEmailOutcome } from './components/email-links';
import { NotificationSettings } from './components/notification-settings';
import { WebhooksSection } from './components/webhook-section';
import { forgetFragment, useLinkSecret } from './link-fragment';
import { bringIntoView, formatRoute, navigate, useViewRoute, type Arrival, type Section, type ViewRoute } from './view-route';

const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      id
      email
      name
      personal
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

/** After a password reset: every session of the account was signed out, this page's too. */
const PASSWORD_CHANGED = 'Your password was changed, and every session of your account was signed out. Sign in with your new password.';

export function App() {
  const [generation, setGeneration] = useState(0);
  const [expired, setExpired] = useState(false);
  // why the sign-in form is shown, when it is not an expired session (a password just reset)
  const [signInNotice, setSignInNotice] = useState<string | null>(null);
  const [teamId, setTeamId] = useState<string | null>(storedTeam);
  // why the page left the team it was in (removed from it, or it asks for two-factor)
  const [teamNotice, setTeamNotice] = useState<string | null>(null);
  const dashboard = useMemo(
    () => createDashboardClient({ onSessionExpired: () => setExpired(true), refetch: refetchAll, teamId }),
    [generation, teamId],
  );
  useEffect(() => () => dashboard.dispose(), [dashboard]);
  const selectTeam = (chosen: string | null, notice: string | null = null) => {
    storeTeam(chosen);
    setTeamNotice(notice);
    setTeamId(chosen);
  };
  const restart = () => {
    setExpired(false);
    setSignInNotice(null);
    selectTeam(null);
    setGeneration((value) => value + 1);
  };
  const resume = () => {
    setExpired(false);
    setSignInNotice(null);
    dashboard.refresh();
  };
  // a new client: whatever this page's session was, the server is asked afresh who is signed in
  const passwordReset = () => {
    restart();
    setSignInNotice(PASSWORD_CHANGED);
  };
  return (
    <Provider value={dashboard.client}>
      <ConnectionContext.Provider value={dashboard.connection}>
        <Shell
          expired={expired}
          teamId={teamId}
          teamNotice={teamNotice}
          signInNotice={signInNotice}
          onSelectTeam={selectTeam}
          onPasswordReset={passwordReset}
          onSignedOut={restart}
          onSignedIn={(sameAccount) => (sameAccount ? resume() : restart())}
        />
      </ConnectionContext.Provider>
    </Provider>
  );
}

interface ShellProps {
  expired: boolean;
  teamId: string | null;
  teamNotice: string | null;
  signInNotice: string | null;
  onSelectTeam(teamId: string | null, notice?: string | null): void;
  onPasswordReset(): void;
  onSignedIn(sameAccount: boolean): void;
  onSignedOut(): void;
}

/** Errors that say the page cannot work in its team any more: it goes back to the personal team. */
const TEAM_LOST = new Set(['TEAM_NOT_FOUND', 'TEAM_TWO_FACTOR_REQUIRED']);

function Shell({ expired, teamId, teamNotice, signInNotice, onSelectTeam, onPasswordReset, onSignedIn, onSignedOut }: ShellProps) {
  const client = useClient();
  // links from e-mails: followed with or without a session
  const [verifyToken, dismissVerify] = useLinkSecret('verify');
  const [resetToken, dismissReset] = useLinkSecret('reset');
  const [{ data, fetching, error }] = useQuery({ query: ViewerQuery });
  const sessionExpired = expired || errorCode(error) === 'SESSION_EXPIRED';
  useEffect(() => {
    const code = errorCode(error);
    if (teamId && code && TEAM_LOST.has(code)) onSelectTeam(null, error!.graphQLErrors[0]!.message);
  }, [error, teamId]);
  // the last account shown: the page stays mounted (hidden) behind the sign-in form after expiry
  const lastShown = useRef(data?.viewer ? data : null);
  if (data?.viewer) lastShown.current = data;
  const shown = data?.viewer ? data : sessionExpired ? lastShown.current : null;
  const viewer = shown?.viewer;
  const focusAfterSignIn = useFocusAfterSignIn(Boolean(viewer) && !sessionExpired);
  // after useFocusAfterSignIn: an address that leads to a section wins over the page's heading
  useRouteHeading(Boolean(viewer) && !sessionExpired);

  return (
    <div class="page">
      <header class="page-header">
        <div class="page-title">
          <h1 id="page-title" tabIndex={-1}>
            API Tokens
          </h1>
          <p class="muted">Manage all the API tokens on the Pogodoc Dashboard.</p>
        </div>
        {viewer && !sessionExpired && (
          <div class="account">
            <TeamSwitcher teamId={teamId} onSelect={onSelectTeam} />
            <ConnectionIndicator />
            <span class="muted account-email">{viewer.email}</span>
            <SignOut onSignedOut={onSignedOut} />
          </div>
        )}
        {viewer && !sessionExpired && <ViewNav />}
      </header>
      <main>
        {verifyToken && <VerifyEmailOutcome key={verifyToken} token={verifyToken} signedIn={Boolean(viewer) && !sessionExpired} onDismiss={dismissVerify} />}
        {resetToken ? (
          // a page of its own: the dashboard behind it would be signed out by its success
          <ResetPasswordPage
            key={resetToken}
            token={resetToken}
            onReset={() => {
              dismissReset();
              onPasswordReset();
            }}
            onCancel={dismissReset}
          />
        ) : (
          <>
            {fetching && !data && <p class="muted" role="status">Loading…</p>}
            {error && !sessionExpired && <p class="error" role="alert">{describeError(error)}</p>}
            {(sessionExpired || (data && !data.viewer)) && (
              <AuthForm
                notice={signInNotice ?? (sessionExpired ? 'Your session has expired. Sign in again to manage your tokens.' : undefined)}
                onSignedIn={(accountId) => {
                  const sameAccount = accountId === lastShown.current?.viewer?.id;
                  focusAfterSignIn(sameAccount);
                  onSignedIn(sameAccount);
                }}
              />
            )}
            {signInNotice && viewer && !sessionExpired && (
              <p class="notice" role="status">
                {signInNotice}
              </p>
            )}
            {teamNotice && (
              <p class="notice" role="status">
                {teamNotice} You are back in your personal team.
              </p>
            )}
            {shown && viewer && !sessionExpired && <InvitationPrompt onJoined={(joined) => onSelectTeam(joined)} />}
            {shown && viewer && (
              <div hidden={sessionExpired}>
                <SessionExpiredContext.Provider value={sessionExpired}>
                  <EmailVerificationBanner />
                  {!viewer.personal && <p class="muted team-banner">Working in the team <strong>{viewer.name}</strong>.</p>}
                  <LeakBanner onLeak={() => refetchAll(client)} />
                  <TokensPage viewer={viewer} rules={shown.tokenRules} plans={shown.plans} live={!sessionExpired} />
                  <ActivityView />
                  <TeamMembers onSelectTeam={(chosen) => onSelectTeam(chosen)} />
                  <SecuritySettings />
                  <NotificationSettings />
                  {/* keyed by team: a secret shown once in one team is not left on screen in another */}
                  <WebhooksSection key={teamId ?? 'personal'} />
                </SessionExpiredContext.Provider>
              </div>
            )}
          </>
        )}
      </main>
    </div>
  );
}

/** The sections an address leads to, with the id of each one's heading (in its own component). */
const SECTION_HEADINGS: Record<Section, { id: string; label: string }> = {
  activity: { id: 'activity-title', label: 'Activity' },
  members: { id: 'team-title', label: 'Team' },
  security: { id: 'security-title', label: 'Security' },
  notifications: { id: 'notifications-title', label: 'Notifications' },
  webhooks: { id: 'webhooks', label: 'Webhooks' },
};
const TOKENS_HEADING = 'tokens-title';

/**
 * The heading an arrival at an address leads to, or null to leave focus where it is: the view's own
 * for a link on the page, the section's for an address naming one; nothing for the
 * list at the plain address (the top of the page), nor after Details (which gives focus back to its
 * opener), nor between the two tabs (the tab has focus), nor for Details itself (the dialog takes it).
 */
function headingOf(route: ViewRoute, arrival: Arrival): string | null {
  if (arrival.followed) return route.view === 'section' ? SECTION_HEADINGS[route.section].id : TOKENS_HEADING;
  if (route.view === 'section') return arrival.from?.view === 'token' ? null : SECTION_HEADINGS[route.section].id;
  if (route.view === 'token' || !arrival.named) return null;
  return arrival.from === null || arrival.from.view === 'section' ? TOKENS_HEADING : null;
}

/**
 * Takes the page to the heading of the view its address names: at the load (once the page is shown,
 * after a sign-in if it needs one), and on each arrival (a link, back, forward).
 */
function useRouteHeading(pageShown: boolean) {
  const { route, arrival } = useViewRoute();
  const handled = useRef(0);
  useEffect(() => {
    if (!pageShown || handled.current === arrival.count) return;
    handled.current = arrival.count;
    const id = headingOf(route, arrival);
    if (!id) return;
    // once the sections are drawn (the page may have been hidden behind the sign-in form)
    requestAnimationFrame(() => {
      const heading = document.getElementById(id);
      if (heading) bringIntoView(heading);
    });
  }, [arrival, pageShown]);
}

/** Links to the page's views: each one is an address, so it can be bookmarked, shared, and gone back to. */
function ViewNav() {
  const { route, listTab } = useViewRoute();
  const links: Array<{ to: ViewRoute; label: string; current: boolean }> = [
    { to: { view: 'tokens', tab: listTab }, label: 'Tokens', current: route.view !== 'section' },
    ...(Object.keys(SECTION_HEADINGS) as Section[]).map((section) => ({
      to: { view: 'section', section } as ViewRoute,
      label: SECTION_HEADINGS[section].label,
      current: route.view === 'section' && route.section === section,
    })),
  ];
  return (
    <nav class="view-nav" aria-label="Dashboard">
      <ul>
        {links.map(({ to, label, current }) => (
          <li key={label}>
            <a
              href={formatRoute(to)}
              aria-current={current ? 'location' : undefined}
              onClick={(event) => {
                // a new tab or window is the browser's to open
                if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
                event.preventDefault();
                // followed even when the address names it already: the person may have scrolled away
                navigate(to, { arrive: true });
              }}
            >
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * Where focus goes once a sign-in has brought the page: back where the person was when the session
 * expired (the page kept its place behind the form, so the filter or the button they were on is
 * still there), or else the page's heading, rather than the body the sign-in form leaves it on.
 * Returns what the sign-in form calls on success.
 */
function useFocusAfterSignIn(pageShown: boolean): (sameAccount: boolean) => void {
  // the last element focused on the page, outside the sign-in forms
  const lastPlace = useRef<HTMLElement | null>(null);
  const pending = useRef<{ place: HTMLElement | null } | null>(null);
  useEffect(() => {
    const onFocusIn = (event: FocusEvent) => {
      const target = event.target;
      if (target instanceof HTMLElement && !target.closest('.auth')) lastPlace.current = target;
    };
    document.addEventListener('focusin', onFocusIn);
    return () => document.removeEventListener('focusin', onFocusIn);
  }, []);
  useEffect(() => {
    if (!pageShown || !pending.current) return;
    const { place } = pending.current;
    pending.current = null;
    // after the children have drawn the page (and the hidden page is shown again)
    requestAnimationFrame(() => {
      const there = place?.isConnected && place.getClientRects().length > 0 ? place : document.getElementById('page-title');
      there?.focus();
    });
  }, [pageShown]);
  return (sameAccount) => {
    pending.current = { place: sameAccount ? lastPlace.current : null };
  };
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

const AcceptInvitationMutation = graphql(`
  mutation AcceptInvitation($secret: String!) {
    acceptInvitation(secret: $secret) {
      role
      team {
        id
        name
      }
    }
  }
`);

/** The invitation a link brought (#invitation=<secret>): joined only when the signed-in person says so. */
function InvitationPrompt({ onJoined }: { onJoined(teamId: string): void }) {
  // in the fragment, which no request carries: not in a server's or proxy's log, nor in a Referer;
  // kept there until the person decides, so that it survives signing in first
  const [secret, dismiss] = useLinkSecret('invitation');
  const [{ fetching, error }, accept] = useMutation(AcceptInvitationMutation);
  const client = useClient();
  if (!secret) return null;
  const forget = () => {
    forgetFragment();
    dismiss();
  };
  const join = async () => {
    const result = await accept({ secret });
    const joined = result.data?.acceptInvitation.team.id;
    if (!joined) return;
    forget();
    void client.query(TeamsQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    onJoined(joined);
  };
  return (
    <div class="card invitation" role="region" aria-label="Invitation">
      <p>You were invited to join a team. Joining shares its tokens and activity with you, with the role you were invited with.</p>
      {error && (
        <p class="error" role="alert">
          {describeError(error)}
        </p>
      )}
      <div class="row">
        <button type="button" disabled={fetching} onClick={() => void join()}>
          Join the team
        </button>
        <button type="button" class="secondary" onClick={forget}>
          Not now
        </button>
      </div>
    </div>
  );
}
