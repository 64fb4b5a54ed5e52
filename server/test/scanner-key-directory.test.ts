// The scanner key list under an outsider's pressure: made-up key ids and a failing key URL must
// neither make us fetch at will nor lock out the real scanner's reports. A real loopback server,
// a clock of the test's own.
import { generateKeyPairSync, type KeyPairKeyObjectResult } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScannerKeyDirectory } from '../src/http/secret-scanning.js';
import { scannerKey, type ScannerKey } from './support/secret-scanner.js';

let server: Server;
let url: string;
let fetches = 0;
let mode: 'ok' | 'fail' | 'huge' = 'ok';
let published: ScannerKey[] = [];

beforeAll(async () => {
  server = createServer((_req, res) => {
    fetches++;
    if (mode === 'fail') return void res.writeHead(500).end();
    if (mode === 'huge') {
      res.writeHead(200, { 'content-type': 'application/json' });
      // no content-length: the cap must hold while reading
      res.write('{"public_keys": [], "padding": "');
      for (let i = 0; i < 64; i++) res.write('x'.repeat(16 * 1024));
      return void res.end('"}');
    }
    const body = { public_keys: published.map((key) => ({ key_identifier: key.id, key: key.publicPem, is_current: true })) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const MINUTE = 60 * 1000;

function directory() {
  let time = 1_000_000;
  const keys = new ScannerKeyDirectory(url, { now: () => time });
  return { keys, advance: (ms: number) => (time += ms) };
}

describe('the scanner key directory', () => {
  it('refetches for unknown key ids at most every 10 minutes', async () => {
    const key = scannerKey();
    published = [key];
    mode = 'ok';
    const { keys, advance } = directory();
    const before = fetches;
    expect(await keys.key(key.id)).toBeDefined();
    for (let i = 0; i < 30; i++) {
      advance(MINUTE);
      expect(await keys.key(`made-up-${i}`)).toBeUndefined();
    }
    // 30 minutes of made-up ids, one a minute: the first fetch, then at most one each 10 minutes
    expect(fetches - before).toBe(3);
  });

  it('keeps serving the cached keys when a refresh fails, past the list\'s age, and backs off', async () => {
    const key = scannerKey();
    published = [key];
    mode = 'ok';
    const { keys, advance } = directory();
    expect(await keys.key(key.id)).toBeDefined();
    mode = 'fail';
    advance(61 * MINUTE); // stale: a refresh is due, and fails
    const before = fetches;
    for (let i = 0; i < 10; i++) expect(await keys.key(key.id)).toBeDefined();
    expect(fetches - before).toBe(1);
    // after the back-off, one more try; when it works, the new list is served
    const rotated = scannerKey();
    published = [rotated];
    mode = 'ok';
    advance(MINUTE);
    expect(await keys.key(rotated.id)).toBeDefined();
    expect(await keys.key(key.id)).toBeUndefined();
  });

  it('with no list fetched yet, a failure is reported and not retried on every request', async () => {
    mode = 'fail';
    const { keys, advance } = directory();
    const before = fetches;
    for (let i = 0; i < 5; i++) await expect(keys.key('any')).rejects.toThrow();
    expect(fetches - before).toBe(1);
    advance(MINUTE);
    mode = 'ok';
    published = [scannerKey()];
    expect(await keys.key(published[0]!.id)).toBeDefined();
  });

  it('serves only ECDSA P-256 keys: RSA, Ed25519 and other curves in the list are left out', async () => {
    const scanner = scannerKey();
    const other = (pair: KeyPairKeyObjectResult, id: string): ScannerKey => ({ id, privateKey: pair.privateKey, publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    published = [
      other(generateKeyPairSync('rsa', { modulusLength: 2048 }), 'rsa'),
      other(generateKeyPairSync('ed25519'), 'ed25519'),
      other(generateKeyPairSync('ec', { namedCurve: 'P-384' }), 'p384'),
      scanner,
    ];
    mode = 'ok';
    const { keys } = directory();
    expect(await keys.key(scanner.id)).toBeDefined();
    for (const id of ['rsa', 'ed25519', 'p384']) expect(await keys.key(id)).toBeUndefined();
  });

  it('refuses a key list body over its size cap', async () => {
    mode = 'huge';
    const { keys } = directory();
    await expect(keys.key('any')).rejects.toThrow(/over \d+ bytes/);
  });
});
