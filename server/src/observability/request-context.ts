// Which request a line of log belongs to. Each HTTP request (and each WebSocket connection) runs
// inside its own async context, so every line logged while serving it, Yoga's own included,
// carries its id without the id being passed through the layers below.
import { randomUUID } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import { SECRET_PREFIX } from '../domain/secrets.js';
import type { TokenPresentation } from '../domain/request-log.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What the GraphQL layer learns about a request, for its summary line and metrics. */
export interface RequestRecord {
  id: string;
  /** The root fields it runs (see operationLabelOf), once the query parsed and validated. */
  operation?: string;
  /** extensions.code of the result's first error, or OK. */
  code?: string;
  /** The API token it presented, when this service knows it (the request log's entry is written for it). */
  presentedToken?: TokenPresentation;
}

const storage = new AsyncLocalStorage<RequestRecord>();

export const currentRequest = (): RequestRecord | undefined => storage.getStore();

export function runWithRequest<T>(record: RequestRecord, fn: () => T): T {
  return storage.run(record, fn);
}

// An id a proxy or client sends is written into every log line and echoed back, so it is kept
// only when it is short and plainly harmless: no spaces, quotes, control characters or
// newlines (log forging), and nothing that looks like one of our secrets (an integrator who
// pastes a token into the wrong header must not get it logged).
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;
const SECRET_LIKE = new RegExp(`(${Object.values(SECRET_PREFIX).join('|')})`, 'i');

/** The incoming X-Request-Id when it is safe to log and echo, else a new random one. */
export function requestIdOf(incoming: string | string[] | undefined): string {
  const candidate = Array.isArray(incoming) ? incoming[0] : incoming;
  if (candidate !== undefined && SAFE_REQUEST_ID.test(candidate) && !SECRET_LIKE.test(candidate)) return candidate;
  return randomUUID();
}

const upgrades = new WeakMap<object, RequestRecord>();

/**
 * The record of a WebSocket's upgrade request: one id for the connection, echoed in the 101
 * response and carried by the lines logged while its messages are handled.
 */
export function upgradeRecordOf(request: { headers: Record<string, string | string[] | undefined> }): RequestRecord {
  let record = upgrades.get(request);
  if (!record) upgrades.set(request, (record = { id: requestIdOf(request.headers[REQUEST_ID_HEADER]) }));
  return record;
}
