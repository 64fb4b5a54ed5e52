// The SSRF guard: a webhook URL may only reach the public internet. Its host is resolved and every
// address it resolves to must be public: not loopback, private (RFC 1918, IPv6 unique local),
// link-local (which holds the cloud metadata service, 169.254.169.254), carrier-grade NAT,
// unspecified, multicast or reserved. Checked when the endpoint is registered and again before
// every attempt (DNS may change in between). WEBHOOKS_ALLOW_PRIVATE_URLS turns it off for
// development and tests, with plain http allowed too.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

// ipaddr.js's range() names: only 'unicast' is a public address
const PUBLIC_RANGES = new Set(['unicast']);
// metadata services that are not link-local (AWS's IPv6 one)
const METADATA_ADDRESSES = new Set(['fd00:ec2::254']);

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: 'invalid' | 'forbidden'; message: string };

export function isPublicAddress(address: string): boolean {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (METADATA_ADDRESSES.has(parsed.toNormalizedString()) || METADATA_ADDRESSES.has(parsed.toString())) return false;
  return PUBLIC_RANGES.has(parsed.range());
}

export async function checkWebhookUrl(
  raw: string,
  { allowPrivate, resolve = (host: string) => lookup(host, { all: true, verbatim: true }) }: { allowPrivate: boolean; resolve?: (host: string) => Promise<Array<{ address: string }>> },
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
      return { ok: false, reason: 'invalid', message: `The webhook host ${host} does not resolve.` };
    }
  }
  if (addresses.length === 0 || addresses.some((address) => !isPublicAddress(address))) {
    return { ok: false, reason: 'forbidden', message: 'The webhook URL reaches a loopback, private, link-local or metadata address; use a public HTTPS endpoint.' };
  }
  return { ok: true, url };
}
