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
  API_TOKEN_DELETED: () => 'Token not working: it was deleted. Deleted tokens stop working immediately and cannot be restored.',
};

export function errorCode(error: CombinedError | undefined): ErrorCode | undefined {
  const code = error?.graphQLErrors[0]?.extensions?.['code'];
  return typeof code === 'string' ? (code as ErrorCode) : undefined;
}

/** The message to show; `rules` lets the token-rule messages name the limits. */
export function describeError(error: CombinedError, rules?: TokenRules): string {
  const code = errorCode(error);
  const troubleshooting = code ? TROUBLESHOOTING[code]?.(rules) : undefined;
  if (troubleshooting) return troubleshooting;
  if (error.networkError) return 'The Pogodoc API could not be reached. Check your connection and try again.';
  return error.graphQLErrors[0]?.message ?? 'Something went wrong. Try again.';
}
