// A secret scanner of the tests' own, in the manner of GitHub's partner program: an ECDSA P-256
// key pair made here, its public key listed by a loopback HTTP server, and reports signed with it.
// No outside network.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScannerKey {
  id: string;
  privateKey: KeyObject;
  publicPem: string;
}

export function scannerKey(): ScannerKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { id: createHash('sha256').update(publicPem).digest('hex'), privateKey, publicPem };
}

export interface KeyListServer {
  url: string;
  /** How many times the list was fetched. */
  fetches(): number;
  publish(keys: ScannerKey[]): void;
  close(): Promise<void>;
}

export async function serveKeyList(keys: ScannerKey[]): Promise<KeyListServer> {
  let published = keys;
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches++;
    const body = { public_keys: published.map((key, index) => ({ key_identifier: key.id, key: key.publicPem, is_current: index === 0 })) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/meta/public_keys/secret_scanning`,
    fetches: () => fetches,
    publish: (next) => (published = next),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Match {
  token: string;
  type?: string;
  url?: string;
  source?: string;
}

/** The raw body and the partner program's headers, signed with `key` (DER signature, base64). */
export function signedReport(matches: Match[], key: ScannerKey, keyId = key.id) {
  const body = JSON.stringify(
    matches.map((match) => ({
      token: match.token,
      type: match.type ?? 'pogodoc_api_token',
      url: match.url ?? 'https://github.com/octocat/Hello-World/blob/1234567/config.env',
      source: match.source ?? 'content',
    })),
  );
  const signature = sign('sha256', Buffer.from(body), key.privateKey).toString('base64');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'github-public-key-identifier': keyId,
      'github-public-key-signature': signature,
      'user-agent': 'GitHub-Secret-Scanning-Test/1.0',
    },
  };
}

export async function postReport(baseUrl: string, report: { body: string; headers: Record<string, string> }, extraHeaders: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}/secret-scanning/github`, { method: 'POST', headers: { ...report.headers, ...extraHeaders }, body: report.body });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
}

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
