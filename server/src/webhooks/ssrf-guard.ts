// The SSRF guard: a webhook URL may only reach the public internet. Its host is resolved and every
// address it resolves to must be public: not loopback, private (RFC 1918, IPv6 unique local),
// link-local (which holds the cloud metadata service, 169.254.169.254), carrier-grade NAT,
// unspecified, multicast or reserved. Checked when the endpoint is registered and again before
// every attempt, and again when the attempt connects (publicOnlyLookup): a name that resolved to
// a public address for the check may resolve to a private one a moment later (DNS rebinding), so
// the address the socket connects to is the one checked. WEBHOOKS_ALLOW_PRIVATE_URLS turns it off
// for development and tests, with plain http allowed too.
//
// Names are resolved with c-ares (dns.Resolver) and a timeout, not getaddrinfo: a slow name server
// must not hold libuv's four threads, which file and crypto work share. A name that does not
// resolve and one that resolves to a forbidden address get the same answer, so that the guard
// cannot be used to probe which internal names exist.
import { Resolver } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

const DNS_TIMEOUT_MS = 2000;
const DNS_TRIES = 2;

export type ResolveHost = (host: string) => Promise<Array<{ address: string }>>;

/** A and AAAA records through c-ares with a timeout; rejects when the name has neither. */
export const resolveWithTimeout: ResolveHost = async (host) => {
  const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: DNS_TRIES });
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  if (addresses.length === 0) throw new Error(`${host} does not resolve`);
  return addresses.map((address) => ({ address }));
};

export const FORBIDDEN_URL_MESSAGE =
  'The webhook URL must reach a public HTTPS endpoint; its host does not resolve to a public address (loopback, private, link-local and metadata addresses are refused).';

// ipaddr.js's range() names: only 'unicast' is a public address
const PUBLIC_RANGES = new Set(['unicast']);
// metadata services that are not link-local (AWS's IPv6 one)
const METADATA_ADDRESSES = new Set(['fd00:ec2::254']);

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: 'invalid' | 'forbidden'; message: string };

export function isPublicAddress(address: string): boolean {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (METADATA_ADDRESSES.has(parsed.toNormalizedString()) || METADATA_ADDRESSES.has(parsed.toString())) return false;
  // IPv6: only global unicast (2000::/3) can be public; ipaddr.js calls much else 'unicast' too,
  // such as the IPv4-compatible ::127.0.0.1, which some stacks route to the embedded IPv4 address
  if (parsed.kind() === 'ipv6' && ((parsed as ipaddr.IPv6).parts[0]! & 0xe000) !== 0x2000) return false;
  return PUBLIC_RANGES.has(parsed.range());
}

/**
 * The lookup for the socket of a delivery: resolves with a timeout and refuses to connect unless
 * every address is public. An IP literal never reaches a lookup; checkWebhookUrl refused it first.
 */
export function publicOnlyLookup(resolve: ResolveHost = resolveWithTimeout): LookupFunction {
  return (hostname, options, callback) => {
    const refuse = () => callback(Object.assign(new Error(FORBIDDEN_URL_MESSAGE), { code: 'ENOTFOUND' }), '', 4);
    resolve(hostname).then(
      (entries) => {
        const addresses = entries.map((entry) => entry.address);
        if (addresses.length === 0 || addresses.some((address) => !isPublicAddress(address))) return refuse();
        const all = addresses.map((address) => ({ address, family: isIP(address) }));
        if (options.all) (callback as unknown as (error: null, addresses: typeof all) => void)(null, all);
        else callback(null, all[0]!.address, all[0]!.family);
      },
      refuse,
    );
  };
}

export async function checkWebhookUrl(
  raw: string,
  { allowPrivate, resolve = resolveWithTimeout }: { allowPrivate: boolean; resolve?: ResolveHost },
): Promise<UrlVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'invalid', message: 'The webhook URL is not a URL.' };
  }
  if (url.username || url.password) return { ok: false, reason: 'invalid', message: 'The webhook URL must not carry a user name or password.' };
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return { ok: false, reason: 'invalid', message: 'The webhook URL must use https://.' };
  }
  if (allowPrivate) return { ok: true, url };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await resolve(host)).map((entry) => entry.address);
    } catch {
      addresses = [];
    }
  }
  if (addresses.length === 0 || addresses.some((address) => !isPublicAddress(address))) {
    return { ok: false, reason: 'forbidden', message: FORBIDDEN_URL_MESSAGE };
  }
  return { ok: true, url };
}
