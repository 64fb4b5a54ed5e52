// What a token may do beyond being valid: where its requests may come from (an IP allowlist)
// and how many documents it may make a month. The rules and their checks, in one place.
// (Just over 200 lines: the CIDR parsing, its hot-path matcher and the month arithmetic are each
// one rule that belongs with the others here.)
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import { DomainError, TokenLimitExceededError } from './errors.js';
import { findPlan } from './plans.js';

export const IP_ALLOWLIST_MAX_ENTRIES = 20;

const invalidAllowlist = (message: string) => new DomainError('TOKEN_IP_ALLOWLIST_INVALID', message);

/**
 * An IPv4-mapped IPv6 range (::ffff:203.0.113.0/120) as the IPv4 range it is (203.0.113.0/24):
 * client addresses are matched as IPv4 (an IPv4 address is never in an IPv6 range), so written
 * the mapped way it would be kept and never match. A mapped network with a prefix under 96 cannot
 * reach here: its ffff bits would be past the prefix, which the allowlist check refuses.
 */
function unmappedRange(address: ipaddr.IPv4 | ipaddr.IPv6, bits: number): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (address.kind() === 'ipv6' && bits >= 96 && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

/**
 * Checks and normalises an allowlist as the user typed it: IPv4 and IPv6 CIDRs, or single
 * addresses (a /32 or /128); IPv4-mapped IPv6 is stored as the IPv4 it carries. Returns null for
 * an empty list, which allows any address.
 */
export function normalizeIpAllowlist(entries: readonly string[]): string[] | null {
  if (entries.length > IP_ALLOWLIST_MAX_ENTRIES) {
    throw invalidAllowlist(`An allowlist can have at most ${IP_ALLOWLIST_MAX_ENTRIES} entries; this one has ${entries.length}.`);
  }
  const normalized = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim();
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    let bits: number;
    try {
      // strictly dotted-quad IPv4 or IPv6: ipaddr.js also reads legacy shapes such as "10.1"
      if (!isIP(entry.split('/')[0]!)) throw new Error('not an address');
      [address, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : ((parsed) => [parsed, parsed.kind() === 'ipv4' ? 32 : 128] as const)(ipaddr.parse(entry));
    } catch {
      throw invalidAllowlist(`"${entry.slice(0, 60)}" is not an IP address or CIDR range, like 203.0.113.0/24 or 2001:db8::/48.`);
    }
    const writtenBits = bits;
    [address, bits] = unmappedRange(address, bits);
    // "1.2.3.4/8" is almost always a typo for "1.0.0.0/8" (or for a /32): say so rather than guess
    const network = networkAddress(address, bits);
    if (network.toNormalizedString() !== address.toNormalizedString()) {
      throw invalidAllowlist(`"${entry}" has bits set past its /${writtenBits} prefix. Did you mean ${network.toString()}/${bits}?`);
    }
    normalized.add(`${address.toString()}/${bits}`);
  }
  return normalized.size === 0 ? null : [...normalized];
}

function networkAddress(address: ipaddr.IPv4 | ipaddr.IPv6, bits: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const bytes = address.toByteArray();
  bytes.forEach((byte, index) => {
    const keep = Math.max(0, Math.min(8, bits - index * 8));
    bytes[index] = byte & ((0xff << (8 - keep)) & 0xff);
  });
  return ipaddr.fromByteArray(bytes);
}

/** How an allowlist is stored: one text column, since SQLite has no arrays. */
export const serializeIpAllowlist = (allowlist: string[] | null): string | null => (allowlist ? allowlist.join(',') : null);
export const parseStoredIpAllowlist = (stored: string | null): string[] => (stored ? stored.split(',') : []);

/** An address or a range's network as 16-bit words: 2 for IPv4, 8 for IPv6. */
type Words = number[];
interface Range {
  words: Words;
  bits: number;
}

/**
 * The words of an address as http/client-address.ts normalises it (dotted IPv4, or lower-case
 * compressed IPv6), parsed by hand: ipaddr.js's general parser took about 5 µs per IPv6 address
 * under load, more than the whole allowlist budget. Null for anything else, which is then left
 * to ipaddr.js.
 */
function wordsOfNormalized(address: string): Words | null {
  return address.includes(':') ? wordsOfIpv6(address) : wordsOfIpv4(address);
}

// Character loops rather than split and regular expressions: these run on every request.
function wordsOfIpv4(address: string): Words | null {
  const bytes = [0, 0, 0, 0];
  let part = 0;
  let digits = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || ++part > 3) return null;
      digits = 0;
    } else if (c >= 48 && c <= 57 && ++digits <= 3) {
      bytes[part] = bytes[part]! * 10 + (c - 48);
      if (bytes[part]! > 255) return null;
    } else {
      return null;
    }
  }
  if (part !== 3 || digits === 0) return null;
  return [(bytes[0]! << 8) | bytes[1]!, (bytes[2]! << 8) | bytes[3]!];
}

function wordsOfIpv6(address: string): Words | null {
  const groups: number[] = [];
  let gapAt = -1;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 58 /* : */) {
      if (address.charCodeAt(i + 1) === 58) {
        if (gapAt !== -1) return null;
        if (digits > 0) groups.push(value);
        else if (i !== 0) return null;
        gapAt = groups.length;
        i++;
      } else {
        if (digits === 0 || i === address.length - 1) return null;
        groups.push(value);
      }
      value = 0;
      digits = 0;
      continue;
    }
    const hex = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (hex < 0 || ++digits > 4) return null;
    value = value * 16 + hex;
  }
  if (digits > 0) groups.push(value);
  if (gapAt === -1 ? groups.length !== 8 : groups.length > 7) return null;
  if (gapAt !== -1) groups.splice(gapAt, 0, ...new Array<number>(8 - groups.length).fill(0));
  // an IPv4-mapped address is the IPv4 address it carries
  const mapped = groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff;
  return mapped ? groups.slice(6) : groups;
}

function wordsOf(address: ipaddr.IPv4 | ipaddr.IPv6): Words {
  const bytes = address.toByteArray();
  const words: Words = [];
  for (let i = 0; i < bytes.length; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  return words;
}

function inRange(words: Words, range: Range): boolean {
  if (words.length !== range.words.length) return false; // IPv4 is never in an IPv6 range, nor the reverse
  for (let i = 0, bits = range.bits; bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((words[i]! & mask) !== range.words[i]) return false;
  }
  return true;
}

// Parsed ranges by stored text: a request then only parses its own address. Bounded, since
// every token may have its own list.
const parsedRanges = new LRUCache<string, Range[]>({ max: 10_000 });

/** Whether a client address (normalised: http/client-address.ts) may use a token with this stored allowlist. */
export function isAddressAllowed(storedAllowlist: string | null, clientAddress: string): boolean {
  if (!storedAllowlist) return true;
  let ranges = parsedRanges.get(storedAllowlist);
  if (!ranges) {
    ranges = parseStoredIpAllowlist(storedAllowlist).map((cidr) => {
      // lists stored before mapped entries were normalised at input match as they were meant to
      const [network, bits] = unmappedRange(...ipaddr.parseCIDR(cidr));
      return { words: wordsOf(network), bits };
    });
    parsedRanges.set(storedAllowlist, ranges);
  }
  const words = wordsOfNormalized(clientAddress) ?? wordsOfAnyAddress(clientAddress);
  if (words === null) return false;
  for (const range of ranges) if (inRange(words, range)) return true;
  return false;
}

function wordsOfAnyAddress(address: string): Words | null {
  // strictly an address: ipaddr.js would also read legacy shapes such as "1.2.3"
  if (!isIP(address)) return null;
  try {
    // process: an IPv4-mapped IPv6 address is matched as the IPv4 address it carries
    return wordsOf(ipaddr.process(address));
  } catch {
    return null; // not an address ("unknown"): it cannot be in any range
  }
}

/** The calendar month (UTC) a document is counted in, as stored: "2026-12". */
export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);

/** When the monthly count starts again: the first instant of the next month, UTC. */
export const monthlyResetOf = (at: Date): Date => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));

/** Checks a per-token monthly document limit against the account's plan; null removes it. */
export function checkMonthlyDocumentLimit(limit: number | null, planId: string | null): number | null {
  if (limit === null) return null;
  const quota = planId ? (findPlan(planId)?.monthlyDocumentQuota ?? null) : null;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new DomainError('TOKEN_MONTHLY_LIMIT_INVALID', 'The monthly document limit must be a whole number of at least 1, or none.');
  }
  if (quota !== null && limit > quota) {
    throw new DomainError(
      'TOKEN_MONTHLY_LIMIT_INVALID',
      `The monthly document limit can be at most your plan's quota of ${quota} documents; ${limit} is more.`,
    );
  }
  return limit;
}

/** The documents a token has made this month, by the columns the counting UPDATE keeps. */
export function documentsThisMonth(token: { monthlyDocumentCount: number; monthlyCountMonth: string | null }, now: Date): number {
  return token.monthlyCountMonth === monthOf(now) ? token.monthlyDocumentCount : 0;
}

/** TOKEN_LIMIT_EXCEEDED when the token has made its monthly documents, else null. */
export function monthlyLimitError(
  token: { monthlyDocumentLimit: number | null; monthlyDocumentCount: number; monthlyCountMonth: string | null },
  now: Date,
): TokenLimitExceededError | null {
  const limit = token.monthlyDocumentLimit;
  if (limit === null || documentsThisMonth(token, now) < limit) return null;
  return new TokenLimitExceededError(limit, monthlyResetOf(now), now);
}
