// What an attempt's recorded error says: a class, never the details. The attempts are shown to the
// account, and an endpoint's URL can name any public host and port: an error with the connect or
// TLS details (addresses, ports, certificate subjects, handshake alerts) would make the delivery a
// port scanner that reports back. The class is enough to act on; the status is recorded apart.

export type AttemptErrorClass =
  | 'timeout'
  | 'connection refused'
  | 'connection reset'
  | 'host unreachable'
  | 'host not public'
  | 'TLS error'
  | 'invalid HTTP response'
  | 'request failed'
  | 'invalid URL'
  | 'failed before sending'
  | 'endpoint deleted';

/** The classes that mean the receiver did not answer at all: they pause the endpoint (delivery.ts). */
export const NO_ANSWER_CLASSES: ReadonlySet<string> = new Set<AttemptErrorClass>(['timeout', 'connection refused', 'connection reset', 'host unreachable']);

/** An HTTP status that is not 2xx, as its class ("HTTP 5xx"); the exact status is in responseStatus. */
export const httpStatusClass = (status: number) => `HTTP ${Math.floor(status / 100)}xx`;

/** The class of what a request threw (node:http, node:https, the connect-time SSRF lookup). */
export function classifyRequestError(error: unknown): AttemptErrorClass {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  const causeName = (error as { cause?: { name?: unknown } } | null)?.cause?.name;
  if (name === 'AbortError' || name === 'TimeoutError' || causeName === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'ABORT_ERR') return 'timeout';
  if (typeof code !== 'string') return 'request failed';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL' || code === 'EHOSTDOWN') return 'host unreachable';
  // the connect-time lookup refuses a name that does not resolve, or resolves to a private address
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not public';
  if (code === 'EPROTO' || /TLS|SSL|CERT/.test(code)) return 'TLS error';
  if (code.startsWith('HPE_')) return 'invalid HTTP response';
  return 'request failed';
}
