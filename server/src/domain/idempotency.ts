// Idempotency keys on document requests, as Stripe's API has them and as the IETF's
// Idempotency-Key header draft describes: a client that could not tell whether its request was
// counted (the connection dropped, the response was lost) sends it again with the same key, and
// gets the first result back instead of a second document.
//
// - A key belongs to the token that sent it: the same key from another token is another key.
// - The same key with the same request (template and data, see requestHashOf) within
//   IDEMPOTENCY_KEY_TTL_MS returns the stored result and counts nothing: a replay.
// - The same key with another request is refused (IDEMPOTENCY_KEY_REUSED), whether the first
//   one has finished or not.
// - While the first request still renders, the others are refused at once with the retryable
//   IDEMPOTENCY_KEY_IN_USE: waiting would hold a connection, and a retry after Retry-After gets
//   the replay. The key is claimed in the database, so this holds across instances.
// - Only a success is stored. A request that fails counts nothing, so it frees its key, and a
//   retry runs again (and fails again, or succeeds if the failure was passing).
import { createHash } from 'node:crypto';
import { IdempotencyKeyInvalidError } from './errors.js';

/** How long a key and its result are kept: a retry within this time is a replay. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** The longest key accepted, in characters (a UUID has 36). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/**
 * How long a claim holds its key without finishing before another request may take the key over:
 * the request's instance must have stopped mid-render. Above a render's own limit
 * (RENDER_TIMEOUT_MS, 1 s by default) plus the longest an account waits for its render budget
 * (10 s, rendering/fair-slots.ts), and well inside the SDK's deadline of 60 s, so that a call
 * whose first attempt died with its instance is made by a retry within the same call. A request
 * slower than this still cannot count twice: its count is conditional on still holding the claim,
 * and it is answered IDEMPOTENCY_KEY_IN_USE.
 */
export const IDEMPOTENCY_CLAIM_LEASE_MS = 20_000;

/**
 * A claim older than this has outlived nearly every request (a render takes milliseconds and is
 * cut at 1 s): its request waits for a renderer, or its instance stopped.
 */
export const IDEMPOTENCY_CLAIM_LINGERING_MS = 1_000;

/**
 * IDEMPOTENCY_KEY_IN_USE's Retry-After, in seconds: a second while the claim is young, since its
 * request is about to finish and the retry then gets its result; once it lingers, the time until
 * it lapses and the retry may take the key over, rather than a retry a second that cannot succeed
 * sooner.
 */
export function inUseRetryAfterSeconds(claimedAt: Date | undefined, now: Date): number {
  const age = claimedAt ? now.getTime() - claimedAt.getTime() : 0;
  if (age < IDEMPOTENCY_CLAIM_LINGERING_MS) return 1;
  return Math.max(1, Math.ceil((IDEMPOTENCY_CLAIM_LEASE_MS - age) / 1000));
}

/**
 * Expired keys removed per new key. Each new key adds one row and removes up to this many
 * expired ones, so the table holds about a day of keys and a backlog only shrinks; the removal
 * is one indexed range read, bounded whatever the backlog.
 */
export const IDEMPOTENCY_PRUNE_BATCH = 20;

// Printable ASCII, as HTTP header values reliably carry it.
const KEY_PATTERN = /^[\x20-\x7e]+$/;

/** Checks a key as sent in the Idempotency-Key header; throws IDEMPOTENCY_KEY_INVALID. */
export function checkIdempotencyKey(key: string): string {
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH || !KEY_PATTERN.test(key)) {
    throw new IdempotencyKeyInvalidError(IDEMPOTENCY_KEY_MAX_LENGTH);
  }
  return key;
}

/** The data with every object's keys in sorted order, so that {"a":1,"b":2} and {"b":2,"a":1} are one request. */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  // No prototype: on a plain {} object, assigning "__proto__" (an own key of the parsed JSON)
  // would set the copy's prototype and the key would drop out of the hash, so data differing only
  // under "__proto__" would replay another request's document.
  const sorted = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).sort()) sorted[key] = (value as Record<string, unknown>)[key];
  return sorted;
}

/**
 * What makes two requests "the same request": the template, and the data with its objects' keys
 * in any order; every own key counts, "__proto__" included. The data has passed the size and depth
 * checks before this runs.
 */
export function requestHashOf(template: string, data: object): string {
  // the replacer hands JSON.stringify a sorted copy of each object before it is written out
  return createHash('sha256').update(JSON.stringify([template, data], sortedKeys)).digest('hex');
}
