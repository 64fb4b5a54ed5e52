// When a token stops working: its expiry, chosen when it is generated, and the grace period of a
// secret replaced by a roll. Pure rules over an injected clock; the stores compare the instants.
import { DomainError } from './errors.js';

/** The expiry choices the dashboard offers, besides a custom date. NEVER is the default. */
export const TOKEN_EXPIRY_PRESETS = { NEVER: null, DAYS_7: 7, DAYS_30: 30, DAYS_60: 60, DAYS_90: 90 } as const;
export type TokenExpiryPreset = keyof typeof TOKEN_EXPIRY_PRESETS;

/** A custom expiry may be at most this many days ahead. */
export const TOKEN_EXPIRY_MAX_DAYS = 365;

/** How long a rolled-out secret keeps working. NONE is for a leaked secret: it stops at once. */
export const ROLL_GRACE_PERIODS_MS = {
  NONE: 0,
  ONE_HOUR: 60 * 60 * 1000,
  ONE_DAY: 24 * 60 * 60 * 1000,
  SEVEN_DAYS: 7 * 24 * 60 * 60 * 1000,
} as const;
export type RollGracePeriod = keyof typeof ROLL_GRACE_PERIODS_MS;

const DAY_MS = 24 * 60 * 60 * 1000;

export type TokenExpiryChoice = { preset: TokenExpiryPreset } | { at: Date };

/** The instant a new token expires, or null for never. Throws TOKEN_EXPIRY_INVALID. */
export function expiryOf(choice: TokenExpiryChoice | undefined, now: Date): Date | null {
  if (!choice) return null;
  if ('preset' in choice) {
    const days = TOKEN_EXPIRY_PRESETS[choice.preset];
    return days === null ? null : new Date(now.getTime() + days * DAY_MS);
  }
  const at = choice.at;
  if (Number.isNaN(at.getTime()) || at.getTime() <= now.getTime()) {
    throw new DomainError('TOKEN_EXPIRY_INVALID', 'Choose an expiry date in the future, or "never".');
  }
  if (at.getTime() > now.getTime() + TOKEN_EXPIRY_MAX_DAYS * DAY_MS) {
    throw new DomainError(
      'TOKEN_EXPIRY_INVALID',
      `A token can expire at most ${TOKEN_EXPIRY_MAX_DAYS} days ahead. Choose an earlier date, or "never".`,
    );
  }
  return at;
}

/** An instant that has come is past: a token expiring at 12:00 is refused at 12:00. */
export function hasPassed(instant: Date | null, now: Date): boolean {
  return instant !== null && instant.getTime() <= now.getTime();
}

/** generateToken's two ways to say when a token expires, of which at most one may be given. */
export function expiryChoiceOf(preset: TokenExpiryPreset | null | undefined, at: Date | null | undefined): TokenExpiryChoice | undefined {
  if (preset != null && at != null) {
    throw new DomainError('TOKEN_EXPIRY_INVALID', 'Give either an expiry preset or a date, not both.');
  }
  if (at != null) return { at };
  return preset != null ? { preset } : undefined;
}
