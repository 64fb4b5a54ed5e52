// Who is asking, for the rate limits: the client's address as our own proxies saw it, never as
// the client claims it, normalised so that one address has one spelling.
import { isIP } from 'node:net';

/** What the client address is read from: the connection's peer and the X-Forwarded-For header. */
export interface RequestAddresses {
  /** The TCP peer; absent for in-process requests (yoga.fetch), which count as a trusted hop. */
  remoteAddress: string | undefined;
  /** The X-Forwarded-For header as received, duplicate headers joined with commas. */
  forwardedFor: string | undefined;
}

// A garbage entry is used as given (the proxy chain is then not what TRUST_PROXY says), but a
// client must not be able to grow the limiter's keys without bound.
const MAX_UNPARSED_LENGTH = 64;

/**
 * The client address, given how many proxies of our own stand in front of the service.
 *
 * Each proxy appends the address it received the request from to X-Forwarded-For, so reading
 * from the right, the connection's peer and then each entry are one hop further from us. With
 * `trustedHops` proxies of our own, the first `trustedHops` of those hops are them, and the next
 * one is the client: everything to its left was written by the client and is ignored. With 0,
 * the header is ignored entirely. A chain shorter than the hop count yields its far end.
 */
export function resolveClientAddress({ remoteAddress, forwardedFor }: RequestAddresses, trustedHops: number): string {
  // nearest first: the peer (or the in-process caller standing in for it), then the header right to left
  const hops: Array<string | undefined> = [remoteAddress];
  if (trustedHops > 0 && forwardedFor) {
    hops.push(
      ...forwardedFor
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean)
        .reverse(),
    );
  }
  const client = hops[Math.min(trustedHops, hops.length - 1)];
  return client === undefined ? 'unknown' : normalizeAddress(client);
}

/**
 * One spelling per address: IPv6 lower-case and compressed (RFC 5952), IPv4-mapped IPv6 as plain
 * IPv4, without brackets, port or zone. Anything that is not an IP address comes back trimmed.
 */
export function normalizeAddress(raw: string): string {
  let address = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address); // [v6] or [v6]:port
  if (bracketed) address = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':')); // v4:port
  address = address.replace(/%.*$/, ''); // a zone (fe80::1%eth0) names our interface, not the client

  if (isIP(address) === 4) return address;
  if (isIP(address) !== 6) return address.slice(0, MAX_UNPARSED_LENGTH);
  const groups = ipv6Groups(address);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  // the WHATWG URL serialiser writes the RFC 5952 form
  return new URL(`http://[${address}]`).hostname.slice(1, -1);
}

// the key an address is limited under is a domain rule, shared with the audit trail's throttle
export { rateLimitKeyOf } from '../domain/rate-limits.js';

/** The eight 16-bit groups of a valid IPv6 address. */
function ipv6Groups(address: string): number[] {
  // the URL serialiser has already turned any embedded dotted IPv4 into two hex groups
  const canonical = new URL(`http://[${address}]`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
