// Which request a line of log belongs to. Each HTTP request (and each WebSocket connection) has a
// record, kept beside its Node request: its id, and what the GraphQL layer learns of it. The
// GraphQL context carries it (graphql/context.ts), and the lines written for a request name its
// id themselves (requestLogger).
//
// Not an AsyncLocalStorage, which would put the id on every line without passing it: on Node 20
// it is built on promise hooks, which run for every promise of every request, and it cost
// 15-25% of a document request's CPU (bench/NOTES.md, workload 1).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
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

// an HTTP request's or a WebSocket upgrade's record, by its Node request
const records = new WeakMap<object, RequestRecord>();

/** The record of a Node request (HTTP, or a WebSocket's upgrade), made at the edge; undefined for one that came another way. */
export const requestRecordOf = (request: object | undefined): RequestRecord | undefined => (request ? records.get(request) : undefined);

/** A new record for an HTTP request, with its id (from X-Request-Id when safe). */
export function recordRequest(request: { headers: Record<string, string | string[] | undefined> }): RequestRecord {
  const record: RequestRecord = { id: requestIdOf(request.headers[REQUEST_ID_HEADER]) };
  records.set(request, record);
  return record;
}

/** Keeps `from`'s record for `to` too: a copy of a request made to keep less of it (websocket/connection-guard.ts). */
export function keepRecord(from: object, to: object): void {
  const record = records.get(from);
  if (record) records.set(to, record);
}

/** A logger whose lines carry the request's id (as reqId), or the logger itself without a record. */
export const requestLogger = (logger: Logger, record: RequestRecord | undefined): Logger => (record ? logger.child({ reqId: record.id }) : logger);

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

/**
 * The record of a WebSocket's upgrade request: one id for the connection, echoed in the 101
 * response and carried by the lines logged for its messages.
 */
export function upgradeRecordOf(request: { headers: Record<string, string | string[] | undefined> }): RequestRecord {
  return records.get(request) ?? recordRequest(request);
}
