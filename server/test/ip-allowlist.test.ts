// The allowlist's hot-path matcher (a hand-written parser of normalised addresses) agrees with
// ipaddr.js on random addresses and ranges, in every spelling the client address can take.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { normalizeAddress } from '../src/http/client-address.js';
import { isAddressAllowed, normalizeIpAllowlist, serializeIpAllowlist } from '../src/domain/token-restrictions.js';

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((bytes) => bytes.join('.'));
// few distinct group values, so that random addresses often share prefixes with random ranges
const group = fc.constantFrom(0, 1, 0xdb8, 0x2001, 0xffff, 0xabcd, 0x8000);
const ipv6 = fc.array(group, { minLength: 8, maxLength: 8 }).map((groups) => ipaddr.fromByteArray(groups.flatMap((g) => [g >> 8, g & 0xff])).toString());
const address = fc.oneof(ipv4, ipv6, ipv4.map((v4) => `::ffff:${v4}`));
const cidr = fc.oneof(
  fc.tuple(ipv4, fc.nat(32)).map(([network, bits]) => `${network}/${bits}`),
  fc.tuple(ipv6, fc.nat(128)).map(([network, bits]) => `${network}/${bits}`),
  fc.tuple(ipv4, fc.nat(32)).map(([network, bits]) => `::ffff:${network}/${96 + bits}`),
);

/** A range as it matches: an IPv4-mapped IPv6 range is the IPv4 range it carries. */
function asMatched(range: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const [network, bits] = ipaddr.parseCIDR(range);
  if (network.kind() === 'ipv6' && bits >= 96 && (network as ipaddr.IPv6).isIPv4MappedAddress()) return [(network as ipaddr.IPv6).toIPv4Address(), bits - 96];
  return [network, bits];
}

/** The network of a CIDR with its host bits cleared, as normalizeIpAllowlist requires. */
function asNetwork(range: string): string {
  const [network, bits] = ipaddr.parseCIDR(range);
  const bytes = network.toByteArray().map((byte, i) => byte & ((0xff << (8 - Math.max(0, Math.min(8, bits - i * 8)))) & 0xff));
  return `${ipaddr.fromByteArray(bytes).toString()}/${bits}`;
}

describe('the IP allowlist matcher', () => {
  it('agrees with ipaddr.js on random addresses and ranges', () => {
    fc.assert(
      fc.property(address, fc.array(cidr, { minLength: 1, maxLength: 20 }), (raw, ranges) => {
        const networks = [...new Set(ranges.map(asNetwork))];
        const stored = serializeIpAllowlist(normalizeIpAllowlist(networks));
        const parsed = ipaddr.process(raw);
        const expected = networks.some((range) => {
          const [network, bits] = asMatched(range);
          return network.kind() === parsed.kind() && parsed.match(network, bits);
        });
        expect(isAddressAllowed(stored, normalizeAddress(raw))).toBe(expected);
        expect(isAddressAllowed(stored, raw)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('allows any address without a list, and no address that is not one with a list', () => {
    expect(isAddressAllowed(null, 'unknown')).toBe(true);
    expect(isAddressAllowed('0.0.0.0/0,::/0', 'unknown')).toBe(false);
    expect(isAddressAllowed('0.0.0.0/0', '2001:db8::1')).toBe(false);
    expect(isAddressAllowed('::/0', '203.0.113.9')).toBe(false);
  });

  it('reads every compressed IPv6 shape, and refuses what is not an address', () => {
    const everything = '0.0.0.0/0,::/0';
    for (const valid of ['::', '::1', '1::', '1::2', 'fe80::1:2:3:4:5:6', '1:2:3:4:5:6:7:8', '2001:db8::ffff:0:1', '255.255.255.255', '0.0.0.0']) {
      expect(isAddressAllowed(everything, valid)).toBe(true);
    }
    for (const invalid of ['1:::2', '1::2::3', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '256.0.0.1', '1.2.3', '1..2.3', '1.2.3.4.', '', 'unknown']) {
      expect(isAddressAllowed(everything, invalid)).toBe(false);
    }
    expect(isAddressAllowed('::1/128', '::1')).toBe(true);
    expect(isAddressAllowed('::1/128', '::2')).toBe(false);
    expect(isAddressAllowed('203.0.113.0/24', '::ffff:cb00:7109')).toBe(true);
  });

  it('stores an IPv4-mapped entry as IPv4, and matches one stored the mapped way as IPv4 too', () => {
    expect(normalizeIpAllowlist(['::ffff:203.0.113.7', '::ffff:203.0.113.0/120', '::ffff:0:0/96'])).toEqual(['203.0.113.7/32', '203.0.113.0/24', '0.0.0.0/0']);
    // a list written before entries were normalised at input
    expect(isAddressAllowed('::ffff:cb00:7107/128', '203.0.113.7')).toBe(true);
    expect(isAddressAllowed('::ffff:cb00:7100/120', '203.0.113.99')).toBe(true);
    expect(isAddressAllowed('::ffff:cb00:7107/128', '203.0.113.8')).toBe(false);
    // an IPv6 range that only contains the mapped block is still IPv6
    expect(normalizeIpAllowlist(['::/64'])).toEqual(['::/64']);
  });
});
