// The banner of a signed-in person whose address is not verified yet: until they follow the link
// the sign-up (or an address change) mailed them, they cannot invite people or join a team, and get
// no notifications. It sends the link again on request, and goes once the address is verified:
// through the link opened in this page (email-links.tsx reads `me` again), or in another tab (the
// link in a mail opens one), which this page hears of when the person comes back to it.
import { useEffect, useState } from 'preact/hooks';
import { useMutation, useQuery } from '@urql/preact';
import { graphql } from '../gql';
import { describeError, errorCode } from '../error-messages';

/** The person's address and whether it is verified; read again (network-only) after a verification. */
export const EmailStateQuery = graphql(`
  query EmailState {
    me {
      id
      email
      emailVerified
    }
  }
`);

const SendVerificationEmailMutation = graphql(`
  mutation SendVerificationEmail {
    sendVerificationEmail
  }
`);

export function EmailVerificationBanner() {
  const [{ data }, readAgain] = useQuery({ query: EmailStateQuery, requestPolicy: 'cache-and-network' });
  const [sendState, send] = useMutation(SendVerificationEmailMutation);
  // the address the last new link went to (the address can change while the banner is up)
  const [sentTo, setSentTo] = useState<string | null>(null);
  const me = data?.me;
  const unverified = Boolean(me && !me.emailVerified);
  useEffect(() => {
    if (!unverified) return;
    const onBack = () => {
      if (document.visibilityState === 'visible') readAgain({ requestPolicy: 'network-only' });
    };
    document.addEventListener('visibilitychange', onBack);
    window.addEventListener('focus', onBack);
    return () => {
      document.removeEventListener('visibilitychange', onBack);
      window.removeEventListener('focus', onBack);
    };
  }, [unverified]);
  if (!me || me.emailVerified) return null;

  const sendAgain = async () => {
    setSentTo(null);
    const result = await send({});
    if (result.data?.sendVerificationEmail) setSentTo(me.email ?? null);
    // verified meanwhile (in another tab): the banner goes
    else if (errorCode(result.error) === 'EMAIL_ALREADY_VERIFIED') readAgain({ requestPolicy: 'network-only' });
  };
  return (
    <section class="notice email-banner" aria-label="E-mail verification" data-testid="email-banner">
      <p>
        Verify your e-mail address <strong>{me.email}</strong>: we sent you a link. Until you follow it, you cannot invite people to a team or
        join one, and we send you no notifications.
      </p>
      <button type="button" class="secondary" disabled={sendState.fetching} onClick={() => void sendAgain()}>
        Send the link again
      </button>
      {/* always in the page, so that a screen reader announces the text when it appears */}
      <p role="status" class="email-banner-status">
        {sentTo && `We sent a new link to ${sentTo}. It works for 24 hours; the links sent before it no longer work.`}
      </p>
      {sendState.error && (
        <p class="error" role="alert">
          {describeError(sendState.error)}
        </p>
      )}
    </section>
  );
}
