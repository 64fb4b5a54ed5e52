// Key material: how secrets look, how they are made, checked and hashed.
//
// Format, in the manner of GitHub's tokens: <prefix>_<30 base62 chars of entropy><6 base62 chars of CRC-32>.
// - 30 base62 characters carry 178 bits from the CSPRNG.
// - The prefix lets secret scanners find leaked tokens and tells API tokens from sessions, and a
//   test-mode API token (pgd_test_) from a live one at a glance, as Stripe's sk_test_ does.
// - The checksum rejects typos and truncations before any database lookup.
import { hash, randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ENTROPY_LENGTH = 30;
const CHECKSUM_LENGTH = 6;

export type SecretKind = 'apiToken' | 'testApiToken' | 'session' | 'invitation' | 'emailLink';

export const SECRET_PREFIX: Record<SecretKind, string> = {
  apiToken: 'pgd_',
  testApiToken: 'pgd_test_',
  session: 'pgs_',
  invitation: 'pgi_',
  emailLink: 'pgl_',
};

const SECRET_PATTERN = /^(pgd_test_|pgd_|pgs_|pgi_|pgl_)([0-9A-Za-z]{30})([0-9A-Za-z]{6})$/;

// CRC-32 (IEEE), as GitHub uses for its token checksums.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function toBase62(value: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function generateSecret(kind: SecretKind): string {
  let entropy = '';
  // randomInt draws without modulo bias.
  for (let i = 0; i < ENTROPY_LENGTH; i++) entropy += BASE62[randomInt(62)];
  return SECRET_PREFIX[kind] + entropy + toBase62(crc32(entropy), CHECKSUM_LENGTH);
}

export type SecretShape = 'valid' | 'wrong-kind' | 'malformed';

/**
 * Checks prefix, length, alphabet and checksum: everything that needs no database. An API token of
 * either mode is an 'apiToken' (the mode is the token row's; the prefix only shows it).
 */
export function checkSecretShape(candidate: string, kind: SecretKind): SecretShape {
  const match = SECRET_PATTERN.exec(candidate);
  if (!match) return 'malformed';
  const [, prefix, entropy, checksum] = match;
  if (toBase62(crc32(entropy!), CHECKSUM_LENGTH) !== checksum) return 'malformed';
  const accepted = kind === 'apiToken' ? [SECRET_PREFIX.apiToken, SECRET_PREFIX.testApiToken] : [SECRET_PREFIX[kind]];
  return accepted.includes(prefix!) ? 'valid' : 'wrong-kind';
}

export function secretKindOf(candidate: string): SecretKind | undefined {
  if (candidate.startsWith(SECRET_PREFIX.apiToken)) return 'apiToken';
  if (candidate.startsWith(SECRET_PREFIX.session)) return 'session';
  if (candidate.startsWith(SECRET_PREFIX.invitation)) return 'invitation';
  return undefined;
}

/**
 * SHA-256 is enough here (no salt, no slow hash): the secrets carry 178 random bits, so there is
 * nothing to brute-force, and an unsalted hash keeps verification one indexed lookup.
 * Comparison happens in the database's index by hash, so no secret-dependent early-exit
 * string comparison ever runs in this process.
 */
export function hashSecret(secret: string): string {
  // the one-shot form: every authenticated request hashes its credential, and it skips the Hash
  // object that createHash() builds for streaming input
  return hash('sha256', secret, 'hex');
}

/** A short display form that identifies a token without revealing it: prefix, 4 chars, …, last 4. */
export function previewSecret(secret: string): string {
  // the last underscore ends the prefix (pgd_, pgd_test_): the rest is base62
  const prefixLength = secret.lastIndexOf('_') + 1;
  return `${secret.slice(0, prefixLength + 4)}…${secret.slice(-4)}`;
}
