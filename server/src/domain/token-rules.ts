// The product's token rules, in one place. The GraphQL schema descriptions and the
// dashboard read these constants; nothing else restates them.
import { DomainError } from './errors.js';

export const TOKEN_NAME_MAX_LENGTH = 20;
export const MAX_ACTIVE_TOKENS = 10;

// Control characters and bidirectional overrides are refused: the first break logs and
// terminals, the second can make a name display as something it is not.
const FORBIDDEN_IN_NAME = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/**
 * Trims, normalises to NFC and checks a token name.
 * Length is counted in Unicode code points, not UTF-16 units: "🔑" is 1, not 2.
 * (An emoji built with joiners, such as a family, is several code points.)
 */
export function normalizeTokenName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (name.length === 0) {
    throw new DomainError('TOKEN_NAME_REQUIRED', `Enter a name for the token (1 to ${TOKEN_NAME_MAX_LENGTH} characters).`);
  }
  if (!name.isWellFormed() || FORBIDDEN_IN_NAME.test(name)) {
    throw new DomainError(
      'TOKEN_NAME_INVALID',
      'The token name contains control or text-direction characters. Use letters, digits, spaces, punctuation or emoji.',
    );
  }
  const length = [...name].length;
  if (length > TOKEN_NAME_MAX_LENGTH) {
    throw new DomainError(
      'TOKEN_NAME_TOO_LONG',
      `Token names can be at most ${TOKEN_NAME_MAX_LENGTH} characters; this one has ${length}. Use a shorter name.`,
    );
  }
  return name;
}
