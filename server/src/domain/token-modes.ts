// Test mode, as Stripe's test keys: a token made in TEST mode is for an integrator's own test
// suite and CI. Its secret says so (pgd_test_), its documents carry a visible watermark, count on
// the token but use none of the account's quota (a small allowance of their own instead), and it
// has a small rate limit of its own. The
// mode is chosen when the token is made and never changes, not even by a roll: a test token can
// never become a live one, so a secret in a test suite can never make a real document.
import type { TokenRatePolicy } from './token-rate-state.js';

export const TOKEN_MODES = ['LIVE', 'TEST'] as const;
export type TokenMode = (typeof TOKEN_MODES)[number];

/** The most a test-mode token may make, whatever the plan: enough for a test suite, too little for production. */
export const TEST_MODE_RATE_LIMIT: TokenRatePolicy = { perSecond: 10, perMinute: 300 };

/**
 * Test documents an account may make a billing period, all its test tokens together: enough for CI
 * runs, and a bound on documents that use no quota (a watermark is only a first line to strip).
 */
export const TEST_MODE_MONTHLY_DOCUMENTS = 1000;

/** The first line of every document a test-mode token makes. */
export const TEST_MODE_WATERMARK = 'TEST MODE · made with a Pogodoc test token: not a real document, and not counted in your quota';

export function isTestMode(token: { mode: string }): boolean {
  return token.mode === 'TEST';
}

/** A test-mode document: the watermark on its own line above the content. */
export function watermarked(content: string): string {
  return `${TEST_MODE_WATERMARK}\n${content}`;
}
