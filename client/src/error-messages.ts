// Server errors in the words of the product page's troubleshooting section, keyed on the
// stable extensions.code. The server's own message is the fallback for codes not listed here.
import type { CombinedError } from '@urql/core';

const TROUBLESHOOTING: Record<string, string> = {
  PLAN_REQUIRED: 'Token generation failed: ensure you\u2019re subscribed to a valid plan. Choose a plan below (the free plan works).',
  TOKEN_LIMIT_REACHED: 'Token generation failed: you have reached the 10-token limit. Delete a token you no longer use first.',
  TOKEN_NAME_TOO_LONG: 'Token generation failed: the maximum length is 20 characters.',
  TOKEN_NAME_REQUIRED: 'Enter a descriptive name for your token (1-20 characters).',
  SESSION_EXPIRED: 'Your session has expired. Sign in again to manage your tokens.',
  UNAUTHENTICATED: 'Sign in to manage your API tokens.',
  API_TOKEN_DELETED: 'Token not working: it was deleted. Deleted tokens stop working immediately and cannot be restored.',
};

export function errorCode(error: CombinedError | undefined): string | undefined {
  const code = error?.graphQLErrors[0]?.extensions?.['code'];
  return typeof code === 'string' ? code : undefined;
}

export function describeError(error: CombinedError): string {
  const code = errorCode(error);
  if (code && TROUBLESHOOTING[code]) return TROUBLESHOOTING[code];
  if (error.networkError) return 'The Pogodoc API could not be reached. Check your connection and try again.';
  return error.graphQLErrors[0]?.message ?? 'Something went wrong. Try again.';
}
