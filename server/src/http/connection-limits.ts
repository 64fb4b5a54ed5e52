// What a slow or greedy client may hold of the HTTP server: sockets that trickle their headers or
// body are timed out, and one address may have only so many connections at work at once.
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Limits } from '../config.js';
import type { ErrorCode } from '../domain/error-codes.js';
import { normalizeAddress, rateLimitKeyOf } from './client-address.js';

/**
 * The HTTP server's timeouts. Node checks the header and request timeouts only every
 * `connectionsCheckingInterval` (30 s by default, so a 10 s timeout could take 40 s): check at
 * half the shorter one, at most once a second. WebSockets and server-sent events are not cut:
 * both timeouts end once the request has arrived, and an upgraded socket leaves the HTTP server.
 */
export function httpServerTimeouts(limits: Limits): ServerOptions {
  const enabled = [limits.httpHeadersTimeoutMs, limits.httpRequestTimeoutMs].filter((ms) => ms > 0);
  return {
    headersTimeout: limits.httpHeadersTimeoutMs,
    requestTimeout: limits.httpRequestTimeoutMs,
    keepAliveTimeout: limits.httpKeepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, ...enabled.map((ms) => Math.floor(ms / 2)))),
  };
}

/** What a client is told to wait before it tries again, once refused for its address's busy connections. */
export const BUSY_ADDRESS_RETRY_AFTER_SECONDS = 1;

/** The answer to a request refused before any work: the client knows it was not processed, and may retry. */
function busyAddressBody(max: number): string {
  const message = `Too many requests in progress from your address (at most ${max} at once). Nothing was done; try again in ${BUSY_ADDRESS_RETRY_AFTER_SECONDS} second.`;
  return JSON.stringify({ errors: [{ message, extensions: { code: 'RATE_LIMITED' satisfies ErrorCode, retryAfter: BUSY_ADDRESS_RETRY_AFTER_SECONDS } }] });
}

/**
 * MAX_CONNECTIONS_PER_ADDRESS, counted as nginx's `limit_conn` counts: connections at work, that
 * is with a request in progress (a server-sent event stream included) or upgraded to a WebSocket.
 * An idle keep-alive connection, or one still sending its headers, does not count: the keep-alive
 * and header timeouts end those. Counting them made a client's own idle pool crowd out its next
 * request, which was then cut without an answer.
 *
 * Past the cap a request gets 429 with Retry-After and `Connection: close`, and a WebSocket
 * upgrade gets the same answer before the handshake: never a reset, so that a client can always
 * tell "not processed" (retry) from "lost". Addresses are counted as the rate limits count them
 * (IPv6: by the /64, which one subscriber usually holds whole).
 */
export class ConnectionsPerAddress {
  private readonly atWork = new Map<string, number>();
  /** The address key of each counted socket, and how many requests (or its upgrade) keep it at work. */
  private readonly counted = new WeakMap<Socket, { key: string; pieces: number }>();

  constructor(readonly max: number) {}

  /** Counts the request's connection, or answers 429 and returns false when its address is at the cap. */
  admitRequest(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.holdUntil(req.socket, res)) return true;
    const body = busyAddressBody(this.max);
    res.writeHead(429, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'retry-after': String(BUSY_ADDRESS_RETRY_AFTER_SECONDS),
      connection: 'close',
    });
    res.end(body);
    return false;
  }

  /**
   * Counts an upgrading connection until it closes; at the cap, the refusal's status, headers and
   * message for the handshake's answer.
   */
  admitUpgrade(req: IncomingMessage): { admitted: true } | { admitted: false; status: number; message: string; headers: Record<string, string> } {
    if (this.holdUntil(req.socket, req.socket)) return { admitted: true };
    return {
      admitted: false,
      status: 429,
      message: `Too many connections at work from your address (at most ${this.max}); try again in ${BUSY_ADDRESS_RETRY_AFTER_SECONDS} second.`,
      headers: { 'Retry-After': String(BUSY_ADDRESS_RETRY_AFTER_SECONDS) },
    };
  }

  /**
   * Counts the socket (if it is not counted yet and its address is under the cap) until `work`
   * closes; a socket with several pieces of work (pipelined requests) counts once, until the last.
   */
  private holdUntil(socket: Socket, work: { once(event: 'close', listener: () => void): unknown }): boolean {
    const state = this.counted.get(socket) ?? this.take(socket);
    if (!state) return false;
    state.pieces += 1;
    work.once('close', () => {
      state.pieces -= 1;
      if (state.pieces === 0) this.give(socket);
    });
    return true;
  }

  /** Connections at work from the address of this socket (tests and metrics). */
  count(socket: Socket): number {
    const key = keyOf(socket);
    return key === undefined ? 0 : (this.atWork.get(key) ?? 0);
  }

  private take(socket: Socket): { key: string; pieces: number } | undefined {
    const key = keyOf(socket);
    if (key === undefined) return undefined;
    const count = this.atWork.get(key) ?? 0;
    if (count >= this.max) return undefined;
    this.atWork.set(key, count + 1);
    const state = { key, pieces: 0 };
    this.counted.set(socket, state);
    return state;
  }

  private give(socket: Socket): void {
    const state = this.counted.get(socket);
    if (!state) return;
    this.counted.delete(socket);
    const left = (this.atWork.get(state.key) ?? 1) - 1;
    if (left === 0) this.atWork.delete(state.key);
    else this.atWork.set(state.key, left);
  }
}

function keyOf(socket: Socket): string | undefined {
  const address = socket.remoteAddress;
  return address === undefined ? undefined : rateLimitKeyOf(normalizeAddress(address));
}

/** Lets every request and upgrade through: the cap is off (0) or left to a proxy (TRUST_PROXY). */
export const NO_ADDRESS_CAP = {
  admitRequest: () => true,
  admitUpgrade: () => ({ admitted: true }) as const,
} satisfies Pick<ConnectionsPerAddress, 'admitRequest' | 'admitUpgrade'>;
