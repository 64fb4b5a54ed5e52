// Reading the RateLimit-Policy and RateLimit headers (IETF httpapi draft, RFC 8941 lists): the
// API's two windows and its older single one, any names and unknown parameters; a malformed item
// is skipped, and no header, however broken, makes the parser throw.
import { describe, expect, it } from 'vitest';
import { parseRateLimit, parseRateLimitHeaders, parseRateLimitPolicy } from '../src/rate-limit.js';

describe('RateLimit-Policy and RateLimit', () => {
  it('read the per-second and per-minute windows', () => {
    const headers = new Headers({
      'RateLimit-Policy': '"per-second";q=10;w=1, "per-minute";q=600;w=60',
      RateLimit: '"per-second";r=9;t=1, "per-minute";r=599;t=42',
    });
    expect(parseRateLimitHeaders(headers)).toEqual({
      policies: [
        { name: 'per-second', quota: 10, windowSeconds: 1 },
        { name: 'per-minute', quota: 600, windowSeconds: 60 },
      ],
      states: [
        { name: 'per-second', remaining: 9, resetSeconds: 1 },
        { name: 'per-minute', remaining: 599, resetSeconds: 42 },
      ],
    });
  });

  it('read the single "token" window of the earlier format', () => {
    expect(parseRateLimitPolicy('"token";q=3;w=60')).toEqual([{ name: 'token', quota: 3, windowSeconds: 60 }]);
    expect(parseRateLimit('"token";r=0;t=57')).toEqual([{ name: 'token', remaining: 0, resetSeconds: 57 }]);
  });

  it('take token names, spaces around items and parameters, and any number of items', () => {
    expect(parseRateLimit('  default;r=5;t=2 ,\t"b";r=0;t=0,"c" ; r=1')).toEqual([
      { name: 'default', remaining: 5, resetSeconds: 2 },
      { name: 'b', remaining: 0, resetSeconds: 0 },
      { name: 'c', remaining: 1, resetSeconds: undefined },
    ]);
    expect(parseRateLimitPolicy('"a";q=1')).toEqual([{ name: 'a', quota: 1, windowSeconds: undefined }]);
  });

  it('ignore unknown parameters, whatever their values', () => {
    expect(parseRateLimitPolicy('"day";q=100;qu="requests";w=86400;pk=:cHJvamVjdDEyMw==:;burst;x=1.5;flag=?1')).toEqual([
      { name: 'day', quota: 100, windowSeconds: 86400 },
    ]);
    expect(parseRateLimit('"day";pk=:cHJvamVjdDEyMw==:;r=50;t=30')).toEqual([{ name: 'day', remaining: 50, resetSeconds: 30 }]);
  });

  it('read quoted names with commas and escapes, and a header sent on two lines (joined with a comma)', () => {
    expect(parseRateLimit('"a, \\"b\\"";r=1;t=1')).toEqual([{ name: 'a, "b"', remaining: 1, resetSeconds: 1 }]);
    const headers = new Headers();
    headers.append('RateLimit', '"one";r=1;t=1');
    headers.append('RateLimit', '"two";r=2;t=2');
    expect(parseRateLimitHeaders(headers).states.map((state) => state.name)).toEqual(['one', 'two']);
  });

  it('a repeated parameter: the last value wins (RFC 8941)', () => {
    expect(parseRateLimit('"a";r=5;r=3;t=1')).toEqual([{ name: 'a', remaining: 3, resetSeconds: 1 }]);
  });

  it('skip a malformed item and keep the others', () => {
    const good = '"ok";r=1;t=1';
    for (const bad of [
      '"no-remaining";t=1',
      '"negative";r=-1;t=1',
      '"fraction";r=1.5;t=1',
      '"string";r="1";t=1',
      '"bad-reset";r=1;t=soon',
      '"trailing";r=1;t=1 junk',
      '"";r=1',
      '(inner list);r=1',
      '42;r=1',
      '"too-big";r=1234567890123456;t=1',
      '"key";R=1',
      '"bad-key";=1;r=1',
      '"empty-value";r=;t=1',
      '',
    ]) {
      expect(parseRateLimit(`${good}, ${bad}, ${good}`), bad).toEqual([
        { name: 'ok', remaining: 1, resetSeconds: 1 },
        { name: 'ok', remaining: 1, resetSeconds: 1 },
      ]);
    }
    // an unterminated string runs to the end of the field
    expect(parseRateLimit(`${good}, "unterminated;r=1, ${good}`)).toEqual([{ name: 'ok', remaining: 1, resetSeconds: 1 }]);
    expect(parseRateLimitPolicy('"no-quota";w=60, "zero-window";q=1;w=0, "ok";q=0;w=1')).toEqual([{ name: 'ok', quota: 0, windowSeconds: 1 }]);
  });

  it('read garbage as no items, and never throw', () => {
    expect(parseRateLimitHeaders(new Headers())).toEqual({ policies: [], states: [] });
    expect(parseRateLimit(null)).toEqual([]);
    expect(parseRateLimit(undefined)).toEqual([]);
    expect(parseRateLimit(42 as unknown as string)).toEqual([]);
    expect(parseRateLimit('%%%;;;,,,"')).toEqual([]);
    expect(parseRateLimitHeaders({ get: () => { throw new Error('a broken Headers'); } })).toEqual({ policies: [], states: [] });
    // random strings of the characters the syntax gives meaning to
    const alphabet = '"\\;=,:() \t?*-.0123456789rtqwab\u00e9\u0000';
    let seed = 1;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let i = 0; i < 2000; i++) {
      const field = Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const states = parseRateLimit(field);
      const policies = parseRateLimitPolicy(field);
      for (const state of states) expect(Number.isSafeInteger(state.remaining) && state.remaining >= 0, field).toBe(true);
      for (const policy of policies) expect(Number.isSafeInteger(policy.quota) && policy.quota >= 0, field).toBe(true);
    }
  });
});
