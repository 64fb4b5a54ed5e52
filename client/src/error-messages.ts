// Server errors in the words of the product page's troubleshooting section, keyed on the
// stable extensions.code. The server's own message is the fallback for codes not listed here.
// The token rules come from the server (the tokenRules query), never restated here.
import type { CombinedError } from '@urql/core';
import type { ErrorCode } from './gql/error-code';

export interface TokenRules {
  nameMaxLength: number;
  maxActiveTokens: number;
}

const TROUBLESHOOTING: Partial<Record<ErrorCode, (rules: TokenRules | undefined) => string | undefined>> = {
  PLAN_REQUIRED: () => 'Token generation failed: ensure you\u2019re subscribed to a valid plan. Choose a plan below (the free plan works).',
  TOKEN_LIMIT_REACHED: (rules) =>
    rules && `Token generation failed: you have reached the ${rules.maxActiveTokens}-token limit. Delete a token you no longer use first.`,
  TOKEN_NAME_TOO_LONG: (rules) => rules && `Token generation failed: the maximum length is ${rules.nameMaxLength} characters.`,
  TOKEN_NAME_REQUIRED: (rules) => rules && `Enter a descriptive name for your token (1-${rules.nameMaxLength} characters).`,
  SESSION_EXPIRED: () => 'Your session has expired. Sign in again to manage your tokens.',
  UNAUTHENTICATED: () => 'Sign in to manage your API tokens.',
  EMAIL_NOT_VERIFIED: () =>
    'Verify your e-mail address first: follow the link we sent you. \u201cSend the link again\u201d at the top of the page sends a new one.',
  API_TOKEN_DISABLED: () => 'Token not working: it is disabled. Open its Details in the Active tab and choose \u201cEnable token\u201d to use it again.',
  API_TOKEN_DELETED: () => 'Token not working: it was deleted. Deleted tokens stop working immediately and cannot be restored.',
};

export function errorCode(error: CombinedError | undefined): ErrorCode | undefined {
  const code = error?.graphQLErrors[0]?.extensions?.['code'];
  return typeof code === 'string' ? (code as ErrorCode) : undefined;
}

/** A wait in words: "40 seconds", "about 59 minutes", "about 2 hours". */
function waitInWords(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `about ${Math.round(minutes / 60)} hours`;
}

/**
 * RATE_LIMITED: the server's message says what was limited, and the wait in seconds
 * (extensions.retryAfter); a wait of an hour reads better in minutes.
 */
function rateLimited(error: CombinedError): string | undefined {
  const graphQLError = error.graphQLErrors[0];
  const retryAfter = graphQLError?.extensions?.['retryAfter'];
  const what = /^(.*?)\s*Try again in \d+ seconds?\.$/.exec(graphQLError?.message ?? '')?.[1];
  return typeof retryAfter === 'number' && what ? `${what} Try again in ${waitInWords(retryAfter)}.` : undefined;
}

/** The message to show; `rules` lets the token-rule messages name the limits. */
export function describeError(error: CombinedError, rules?: TokenRules): string {
  const code = errorCode(error);
  const waited = code === 'RATE_LIMITED' ? rateLimited(error) : undefined;
  if (waited) return waited;
  const troubleshooting = code ? TROUBLESHOOTING[code]?.(rules) : undefined;
  if (troubleshooting) return troubleshooting;
  if (error.networkError) return 'The Pogodoc API could not be reached. Check your connection and try again.';
  return error.graphQLErrors[0]?.message ?? 'Something went wrong. Try again.';
}
