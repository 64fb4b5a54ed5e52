// POST /secret-scanning/github: the endpoint of GitHub's secret scanning partner program (and of
// any scanner that speaks it). The body is a JSON array of {token, type, url, source}; it is
// signed with ECDSA P-256 over SHA-256, the DER signature base64 in Github-Public-Key-Signature,
// by the key named in Github-Public-Key-Identifier, one of those published at
// SECRET_SCANNING_KEYS_URL ({"public_keys": [{"key_identifier", "key" (PEM), "is_current"}]}).
// The answer is the partner program's feedback format, per token:
// {"token_hash": sha256 hex, "token_type", "label": "true_positive" | "false_positive"}: the hash,
// not the raw token, so that the answer never carries a secret.
//
// The signature covers the raw body, so it is verified before the body is parsed. The signature
// has no timestamp or nonce: a replay cannot be told from a second report, so the response makes
// a replay harmless instead (revocation and the leak event happen once; see leak-response.ts).
// (Over 200 lines: the scanner key directory is here beside its only user, the handler; its
// refetch and back-off rules read best next to the 503 the handler answers when it has no key.)
import { keptUserAgent } from '../domain/documents.js';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditActor } from '../domain/audit.js';
import type { ErrorCode } from '../domain/error-codes.js';
import type { FoundToken, LeakResponseService } from '../domain/leak-response.js';

export const SECRET_SCANNING_PATH = '/secret-scanning/github';

const KEY_ID_HEADER = 'github-public-key-identifier';
const SIGNATURE_HEADER = 'github-public-key-signature';
// one report may carry many matches; past this it is not a scanner's report
const MAX_MATCHES = 1000;

// The published key list is a few KiB; a body past this is not a key list.
const MAX_KEY_LIST_BYTES = 256 * 1024;

export interface ScannerKeyDirectoryOptions {
  /** Least time between refetches for an unknown key id (a scanner that rotated its key). */
  unknownKeyRefetchMs?: number;
  /** Age after which the list is refreshed, so that a key the scanner withdrew stops being accepted. */
  maxAgeMs?: number;
  /** Wait after a failed fetch before the next one; doubles with each failure in a row, up to maxAgeMs. */
  failureBackoffMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * The scanner's public keys, fetched from its URL and cached.
 *
 * No request may make us fetch at will, nor make a fetch failure lock the endpoint: an unknown
 * key id (anyone can send one) refetches at most once per `unknownKeyRefetchMs`; a failed fetch
 * is not retried before a back-off; and when a refresh fails, the keys last fetched keep being
 * served (a withdrawn key is then accepted a little longer, which beats refusing every real
 * report while the scanner's URL is down). Only with no list ever fetched is a key unavailable.
 */
export class ScannerKeyDirectory {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private attemptedAt = 0;
  private failedAt = 0;
  private failuresInARow = 0;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly options: ScannerKeyDirectoryOptions = {},
  ) {}

  private clock(): number {
    return (this.options.now ?? Date.now)();
  }

  async key(keyId: string): Promise<KeyObject | undefined> {
    const now = this.clock();
    const maxAgeMs = this.options.maxAgeMs ?? 60 * 60 * 1000;
    const stale = this.fetchedAt === 0 || now - this.fetchedAt > maxAgeMs;
    const unknownMayRefetch = !this.keys.has(keyId) && now - this.attemptedAt > (this.options.unknownKeyRefetchMs ?? 10 * 60 * 1000);
    const backoff = Math.min((this.options.failureBackoffMs ?? 30 * 1000) * 2 ** Math.max(0, this.failuresInARow - 1), maxAgeMs);
    const backingOff = this.failuresInARow > 0 && now - this.failedAt < backoff;
    if ((stale || unknownMayRefetch) && !backingOff) {
      try {
        await this.refresh();
      } catch (error) {
        if (this.fetchedAt === 0) throw error;
        // a list fetched earlier keeps serving; the failure is in the back-off
      }
    } else if (this.fetchedAt === 0) {
      throw new Error('the scanner key list could not be fetched recently; waiting before the next attempt');
    }
    return this.keys.get(keyId);
  }

  private refresh(): Promise<void> {
    this.pending ??= this.load()
      .then(
        () => {
          this.failuresInARow = 0;
        },
        (error: unknown) => {
          this.failuresInARow++;
          this.failedAt = this.clock();
          throw error;
        },
      )
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async load(): Promise<void> {
    this.attemptedAt = this.clock();
    const response = await fetch(this.url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000), headers: { accept: 'application/json' } });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`the scanner key list answered HTTP ${response.status}`);
    }
    const body = JSON.parse(await readCapped(response, MAX_KEY_LIST_BYTES)) as { public_keys?: Array<{ key_identifier?: unknown; key?: unknown }> };
    const keys = new Map<string, KeyObject>();
    for (const entry of body.public_keys ?? []) {
      if (typeof entry.key_identifier !== 'string' || typeof entry.key !== 'string') continue;
      try {
        const key = createPublicKey(entry.key);
        // a key of another algorithm is left out like one we cannot read: it can verify nothing
        if (isScannerAlgorithm(key)) keys.set(entry.key_identifier, key);
      } catch {
        // one key we cannot read does not stop the others
      }
    }
    this.keys = keys;
    this.fetchedAt = this.clock();
  }
}

/**
 * The one algorithm the scanner publishes: ECDSA on P-256. Any other key (RSA, Ed25519, another
 * curve) would let a signature of another kind verify, or make node:crypto throw on the digest.
 */
function isScannerAlgorithm(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/**
 * Whether `signature` (base64 DER, as the partner program sends it) is the scanner's ECDSA P-256
 * SHA-256 signature of `body`. Anything else is false, never an exception: a malformed signature
 * is the sender's mistake, not ours.
 */
function verifyScannerSignature(body: Buffer, key: KeyObject, signature: string): boolean {
  if (!isScannerAlgorithm(key)) return false;
  try {
    return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The response body as text, or an error once it passes `maxBytes` (read no further). */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw new Error(`the scanner key list is over ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
    if (chunk.done) break;
    size += chunk.value.length;
    if (size > maxBytes) {
      await reader!.cancel();
      throw new Error(`the scanner key list is over ${maxBytes} bytes`);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface SecretScanningOptions {
  keys: ScannerKeyDirectory;
  leaks: LeakResponseService;
  maxBodyBytes: number;
  clientAddress(req: IncomingMessage): string;
  onError(error: unknown): void;
}

function refuse(res: ServerResponse, status: number, code: ErrorCode, message: string) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Where the leak was found is shown to the owner as a link: only an https: URL is kept (a
 * javascript: or data: URL from a scanner, or from whoever holds its key, must never become one).
 */
function httpsUrlOrEmpty(raw: string): string {
  try {
    return new URL(raw).protocol === 'https:' ? raw : '';
  } catch {
    return '';
  }
}

function parseMatches(body: Buffer): FoundToken[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length > MAX_MATCHES) return undefined;
  const matches: FoundToken[] = [];
  for (const item of parsed as Array<Record<string, unknown>>) {
    if (typeof item !== 'object' || item === null || typeof item.token !== 'string' || typeof item.type !== 'string') return undefined;
    const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 2048) : '');
    matches.push({ token: item.token, type: item.type.slice(0, 200), url: httpsUrlOrEmpty(text(item.url)), source: text(item.source) });
  }
  return matches;
}

export function secretScanningHandler(options: SecretScanningOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const keyId = req.headers[KEY_ID_HEADER];
    const signature = req.headers[SIGNATURE_HEADER];
    const body = await readBody(req, options.maxBodyBytes);
    if (!body) return refuse(res, 413, 'REQUEST_ENTITY_TOO_LARGE', `The report is over ${options.maxBodyBytes} bytes.`);
    if (typeof keyId !== 'string' || typeof signature !== 'string' || keyId === '' || signature === '') {
      return refuse(res, 401, 'SECRET_SCANNING_SIGNATURE_INVALID', `Sign the report: ${KEY_ID_HEADER} and ${SIGNATURE_HEADER} are required.`);
    }
    let key: KeyObject | undefined;
    try {
      key = await options.keys.key(keyId);
    } catch (error) {
      options.onError(error);
      return refuse(res, 503, 'SECRET_SCANNING_KEYS_UNAVAILABLE', 'The scanner public keys cannot be fetched right now; send the report again later.');
    }
    const valid = key !== undefined && verifyScannerSignature(body, key, signature);
    if (!valid) return refuse(res, 401, 'SECRET_SCANNING_SIGNATURE_INVALID', 'The signature does not verify with the named scanner key.');
    const matches = parseMatches(body);
    if (!matches) {
      return refuse(res, 400, 'SECRET_SCANNING_REPORT_INVALID', `The report must be a JSON array of at most ${MAX_MATCHES} objects with string token and type.`);
    }
    const actor: AuditActor = {
      type: 'SCANNER',
      id: keyId.slice(0, 128),
      clientAddress: options.clientAddress(req),
      userAgent: keptUserAgent(req.headers['user-agent']),
    };
    const verdicts = await options.leaks.respond(matches, actor);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(
      JSON.stringify(verdicts.map((verdict) => ({ token_hash: verdict.tokenHash, token_type: verdict.tokenType, label: verdict.label }))),
    );
  };
}
