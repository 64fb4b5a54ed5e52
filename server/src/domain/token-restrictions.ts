// What a token may do beyond being valid: where its requests may come from (an IP allowlist)
// and how many documents it may make a month. The rules and their checks, in one place.
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import { DomainError } from './errors.js';
import { findPlan } from './plans.js';

export const IP_ALLOWLIST_MAX_ENTRIES = 20;

const invalidAllowlist = (message: string) => new DomainError('TOKEN_IP_ALLOWLIST_INVALID', message);

/**
 * Checks and normalises an allowlist as the user typed it: IPv4 and IPv6 CIDRs, or single
 * addresses (a /32 or /128). Returns null for an empty list, which allows any address.
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
      [address, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : ((parsed) => [parsed, parsed.kind() === 'ipv4' ? 32 : 128] as const)(ipaddr.parse(entry));
    } catch {
      throw invalidAllowlist(`"${entry.slice(0, 60)}" is not an IP address or CIDR range, like 203.0.113.0/24 or 2001:db8::/48.`);
    }
    // "1.2.3.4/8" is almost always a typo for "1.0.0.0/8" (or for a /32): say so rather than guess
    const network = networkAddress(address, bits);
    if (network.toNormalizedString() !== address.toNormalizedString()) {
      throw invalidAllowlist(`"${entry}" has bits set past its /${bits} prefix. Did you mean ${network.toString()}/${bits}?`);
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

// Parsed ranges by stored text: a request then only parses its own address. Bounded, since
// every token may have its own list.
const parsedRanges = new LRUCache<string, Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>>({ max: 10_000 });

/** Whether a client address (normalised: http/client-address.ts) may use a token with this stored allowlist. */
export function isAddressAllowed(storedAllowlist: string | null, clientAddress: string): boolean {
  if (!storedAllowlist) return true;
  let ranges = parsedRanges.get(storedAllowlist);
  if (!ranges) {
    ranges = parseStoredIpAllowlist(storedAllowlist).map((cidr) => ipaddr.parseCIDR(cidr));
    parsedRanges.set(storedAllowlist, ranges);
  }
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process: an IPv4-mapped IPv6 address is matched as the IPv4 address it carries
    address = ipaddr.process(clientAddress);
  } catch {
    return false; // not an address ("unknown"): it cannot be in any range
  }
  const kind = address.kind();
  return ranges.some(([range, bits]) => range.kind() === kind && address.match(range, bits));
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
