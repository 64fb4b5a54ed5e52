// The product's token rules, in one place. The GraphQL schema descriptions and the
// dashboard read these constants; nothing else restates them.
import { DomainError } from './errors.js';

export const TOKEN_NAME_MAX_LENGTH = 20;
export const MAX_ACTIVE_TOKENS = 10;

// Refused: control characters (Cc), which break logs and terminals, and format characters (Cf):
// the invisible ones ("Produc\u200Btion" displays as "Production") and every bidirectional
// control (U+200E/F, U+061C, U+202A-E, U+2066-9), which can make a name display as something it
// is not.
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cf}]/u;
// An emoji sequence (RGI: the list Unicode recommends for general interchange) is the one place a
// format character belongs: the joiner (U+200D) in a family emoji and the tag characters in the
// flag of Scotland are part of one visible emoji. Such sequences are set aside before the check
// above. (A constructor: the v flag needs an ES2024 target.)
const EMOJI_SEQUENCE = new RegExp('\\p{RGI_Emoji}', 'gv');

/**
 * Normalises to NFC, trims and checks a token name.
 * Its length, 1 to TOKEN_NAME_MAX_LENGTH "characters", is counted in Unicode code points after NFC
 * (as the dashboard counts it), not in UTF-16 units: "🔑" is 1, not 2, and "e" + U+0301 is 1 once
 * composed to "é". An emoji built with joiners, such as a family, is several code points.
 */
export function normalizeTokenName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (name.length === 0) {
    throw new DomainError('TOKEN_NAME_REQUIRED', `Enter a name for the token (1 to ${TOKEN_NAME_MAX_LENGTH} characters).`);
  }
  if (!name.isWellFormed()) {
    throw new DomainError('TOKEN_NAME_INVALID', 'The token name is not valid Unicode text (it has a lone surrogate). Type the name again.');
  }
  const forbidden = forbiddenCharacterIn(name);
  if (forbidden) {
    throw new DomainError(
      'TOKEN_NAME_INVALID',
      `The token name contains ${forbidden.description} (${forbidden.codePoint} at character ${forbidden.position}), which would hide or garble the name where it is shown. Remove it: use letters, digits, spaces, punctuation or emoji.`,
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

/** The first control or format character outside an emoji sequence, with its 1-based position in code points. */
function forbiddenCharacterIn(name: string): { codePoint: string; position: number; description: string } | undefined {
  // same-length stand-ins keep positions: an emoji sequence becomes that many plain code points
  const withoutEmoji = name.replace(EMOJI_SEQUENCE, (emoji) => 'x'.repeat([...emoji].length));
  const points = [...withoutEmoji];
  const index = points.findIndex((point) => FORBIDDEN_IN_NAME.test(point));
  if (index === -1) return undefined;
  const point = points[index]!;
  const codePoint = `U+${point.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const description = /\p{Cc}/u.test(point) ? 'a control character' : 'an invisible formatting or text-direction character';
  return { codePoint, position: index + 1, description };
}
