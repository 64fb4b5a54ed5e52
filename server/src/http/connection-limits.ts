// What a slow or greedy client may hold of the HTTP server: sockets that trickle their headers or
// body are timed out, and one address may keep only so many connections open at once.
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Limits } from '../config.js';
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

/**
 * Destroys, at once and without a response, every new connection past `max` open ones from the
 * same address, counted as the rate limits count one (IPv6: by its /64, which one subscriber
 * usually holds whole). Upgraded WebSockets count: they are the same sockets.
 */
export function limitConnectionsPerAddress(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) {
      socket.destroy(); // already gone
      return;
    }
    const key = rateLimitKeyOf(normalizeAddress(address));
    const count = open.get(key) ?? 0;
    if (count >= max) {
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left === 0) open.delete(key);
      else open.set(key, left);
    });
  });
}
