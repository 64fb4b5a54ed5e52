import { describe, expect, it } from 'vitest';
import { checkSecretShape, generateSecret, hashSecret, previewSecret, SECRET_PREFIX } from '../src/domain/secrets.js';

describe('token secrets', () => {
  it('carry a recognisable prefix, 30 random base62 characters and a 6-character checksum', () => {
    const secret = generateSecret('apiToken');
    expect(secret).toMatch(/^pgd_[0-9A-Za-z]{36}$/);
    expect(checkSecretShape(secret, 'apiToken')).toBe('valid');
    expect(generateSecret('session')).toMatch(/^pgs_[0-9A-Za-z]{36}$/);
  });

  it('carry at least 128 bits of entropy', () => {
    // 30 characters drawn uniformly from 62 symbols
    expect(30 * Math.log2(62)).toBeGreaterThan(128);
    const secrets = new Set(Array.from({ length: 2000 }, () => generateSecret('apiToken')));
    expect(secrets.size).toBe(2000);
    // every symbol of the alphabet shows up across 60,000 random characters
    const symbols = new Set([...secrets].flatMap((secret) => [...secret.slice(4, 34)]));
    expect(symbols.size).toBe(62);
  });

  it('reject a typo before any database lookup: every single-character change breaks the checksum', () => {
    const secret = generateSecret('apiToken');
    let caught = 0;
    let tried = 0;
    for (let i = 4; i < secret.length; i++) {
      const replacement = secret[i] === 'a' ? 'b' : 'a';
      const typo = secret.slice(0, i) + replacement + secret.slice(i + 1);
      tried++;
      if (checkSecretShape(typo, 'apiToken') === 'malformed') caught++;
    }
    expect(caught).toBe(tried);
  });

  it('reject truncated, extended and wrongly prefixed tokens', () => {
    const secret = generateSecret('apiToken');
    expect(checkSecretShape(secret.slice(0, -1), 'apiToken')).toBe('malformed');
    expect(checkSecretShape(`${secret}x`, 'apiToken')).toBe('malformed');
    expect(checkSecretShape(`ghp_${secret.slice(4)}`, 'apiToken')).toBe('malformed');
    expect(checkSecretShape(generateSecret('session'), 'apiToken')).toBe('wrong-kind');
    expect(checkSecretShape('', 'apiToken')).toBe('malformed');
  });

  it('are stored as SHA-256 and previewed without revealing them', () => {
    const secret = generateSecret('apiToken');
    expect(hashSecret(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(secret)).not.toContain(secret);
    const preview = previewSecret(secret);
    expect(preview).toBe(`${secret.slice(0, 8)}…${secret.slice(-4)}`);
    expect(preview.startsWith(SECRET_PREFIX.apiToken)).toBe(true);
  });
});
