// The client address for the rate limits: which X-Forwarded-For hop to believe, one spelling per
// address, and an IPv6 /64 as one client. The API-level attacks are in trust-proxy.test.ts.
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.js';
import { normalizeAddress, rateLimitKeyOf, resolveClientAddress } from '../src/http/client-address.js';

describe('which hop is the client', () => {
  it('without TRUST_PROXY, X-Forwarded-For is ignored: the client is the peer', () => {
    expect(resolveClientAddress({ remoteAddress: '203.0.113.9', forwardedFor: '198.51.100.7' }, 0)).toBe('203.0.113.9');
  });

  it('behind one proxy, the client is the right-most entry: what the client wrote to its left is ignored', () => {
    const forwardedFor = '198.51.100.7, 10.9.9.9';
    expect(resolveClientAddress({ remoteAddress: '127.0.0.1', forwardedFor }, 1)).toBe('10.9.9.9');
  });

  it('behind two proxies, the client is the entry the outer one added', () => {
    const forwardedFor = '1.1.1.1, 198.51.100.7, 10.0.0.2';
    expect(resolveClientAddress({ remoteAddress: '10.0.0.3', forwardedFor }, 2)).toBe('198.51.100.7');
  });

  it('duplicate X-Forwarded-For headers, joined, read the same as one', () => {
    expect(resolveClientAddress({ remoteAddress: '10.0.0.3', forwardedFor: '1.1.1.1,198.51.100.7 , 10.0.0.2' }, 2)).toBe('198.51.100.7');
  });

  it('a chain shorter than the hop count yields its far end', () => {
    expect(resolveClientAddress({ remoteAddress: '10.0.0.3', forwardedFor: '198.51.100.7' }, 3)).toBe('198.51.100.7');
    expect(resolveClientAddress({ remoteAddress: '10.0.0.3', forwardedFor: undefined }, 1)).toBe('10.0.0.3');
  });

  it('an in-process request (no socket) counts as the first trusted hop', () => {
    expect(resolveClientAddress({ remoteAddress: undefined, forwardedFor: '198.51.100.7, 10.9.9.9' }, 1)).toBe('10.9.9.9');
    expect(resolveClientAddress({ remoteAddress: undefined, forwardedFor: undefined }, 1)).toBe('unknown');
  });
});

describe('one spelling per address', () => {
  it('an IPv4-mapped IPv6 address is the IPv4 address', () => {
    expect(normalizeAddress('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(normalizeAddress('::FFFF:0102:0304')).toBe('1.2.3.4');
  });

  it('compressed, expanded and upper-case IPv6 are one address', () => {
    const spellings = ['2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:DB8:0:0::1', '[2001:db8::1]', '[2001:db8::1]:443'];
    expect(new Set(spellings.map(normalizeAddress))).toEqual(new Set(['2001:db8::1']));
  });

  it('drops an IPv4 port and an IPv6 zone', () => {
    expect(normalizeAddress(' 198.51.100.7:51234 ')).toBe('198.51.100.7');
    expect(normalizeAddress('fe80::1%eth0')).toBe('fe80::1');
  });

  it('keeps what is not an address, bounded', () => {
    expect(normalizeAddress('unknown')).toBe('unknown');
    expect(normalizeAddress('x'.repeat(1000))).toHaveLength(64);
  });
});

describe('the key an address is limited under', () => {
  it('every address in one IPv6 /64 shares a key; the next /64 does not', () => {
    const key = rateLimitKeyOf('2001:db8:1:2::1');
    expect(key).toBe('2001:db8:1:2::/64');
    expect(rateLimitKeyOf(normalizeAddress('2001:db8:1:2:ffff:ffff:ffff:ffff'))).toBe(key);
    expect(rateLimitKeyOf(normalizeAddress('2001:db8:1:3::1'))).not.toBe(key);
    expect(rateLimitKeyOf('::1')).toBe('0:0:0:0::/64');
  });

  it('an IPv4 address is its own key', () => {
    expect(rateLimitKeyOf('198.51.100.7')).toBe('198.51.100.7');
    expect(rateLimitKeyOf(normalizeAddress('::ffff:198.51.100.7'))).toBe('198.51.100.7');
  });
});

describe('TRUST_PROXY', () => {
  const hops = (value: string | undefined) => configFromEnv({ TRUST_PROXY: value }).trustProxy;

  it('is off by default, and off/false/0 turn it off', () => {
    for (const value of [undefined, '', 'off', 'false', 'no', '0']) expect(hops(value), String(value)).toBe(0);
  });

  it('true/on/1 mean one proxy, as they always did; a number is that many hops', () => {
    for (const value of ['true', 'on', 'yes', '1', 'TRUE']) expect(hops(value), value).toBe(1);
    expect(hops('2')).toBe(2);
  });

  it('refuses anything else', () => {
    expect(() => hops('maybe')).toThrow(/TRUST_PROXY/);
    expect(() => hops('-1')).toThrow(/TRUST_PROXY/);
  });
});
