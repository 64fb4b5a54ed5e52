// graphql-ws on a `ws` server: graphql-ws's own `useServer` for `ws` (which its authors offer as a
// starting point to copy), keeping stderr for real faults.
import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, MessageType, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { REQUEST_ID_HEADER, upgradeRecordOf, type RequestRecord } from '../observability/request-context.js';

/**
 * One keep-alive for every socket of the server, as `ws`'s README does it, rather than a timer
 * and closures per socket: at thousands of idle dashboards those are a good part of each one's
 * memory. A socket pinged and not yet answered is in `unanswered`; the next round drops it.
 */
function keepAlive(wsServer: WebSocketServer, intervalMs: number) {
  const unanswered = new WeakSet<WebSocket>();
  const round = setInterval(() => {
    for (const socket of wsServer.clients) {
      if (unanswered.has(socket)) {
        socket.terminate();
        continue;
      }
      unanswered.add(socket);
      socket.ping();
    }
  }, intervalMs);
  round.unref();
  wsServer.once('close', () => clearInterval(round));
  // one listener function shared by every socket: `ws` calls it with the socket as `this`
  return function answered(this: WebSocket) {
    unanswered.delete(this);
  };
}

/** Messages only a server sends; a client that sends one is answered by the protocol (4400). */
const SERVER_ONLY_MESSAGES = new Set<unknown>([MessageType.ConnectionAck, MessageType.Next, MessageType.Error]);

/** What graphql-ws hands our hooks beside the protocol state. */
export interface Extra {
  socket: WebSocket;
  request: IncomingMessage;
}

/**
 * graphql-ws's own `useServer` for `ws`, which its authors offer as a starting point to copy, with
 * two changes: a client's malformed frame is answered by the protocol without a line on stderr
 * (useServer prints "Internal error occurred during message handling" for server-only message
 * types, and "Internal error emitted on a WebSocket socket" for frames `ws` refuses, such as one
 * over maxPayload), and a real fault goes to our logger rather than the console.
 */
export function serveGraphQLWs(
  wsServer: WebSocketServer,
  options: ServerOptions<Record<string, unknown> | undefined, Extra>,
  keepAliveMs: number,
  onUnexpectedError: (error: unknown, request?: RequestRecord) => void,
) {
  const server = makeServer(options);
  wsServer.options.handleProtocols = handleProtocols;
  wsServer.on('error', (error) => onUnexpectedError(error));
  const answered = keepAlive(wsServer, keepAliveMs);
  // the connection's request id, echoed as HTTP echoes it, and named by the lines of its faults
  wsServer.on('headers', (headers, request) => headers.push(`${REQUEST_ID_HEADER}: ${upgradeRecordOf(request).id}`));
  wsServer.on('connection', (socket, request) => {
    const record = upgradeRecordOf(request);
    // `ws` reports a frame it refuses (too large, invalid UTF-8, a bad opcode) as an error with
    // a WS_ERR_ code, and is already closing the socket with the matching code (1009, 1007, 1002).
    socket.once('error', (error: Error & { code?: string }) => {
      if (error.code?.startsWith('WS_ERR_')) return;
      onUnexpectedError(error, record);
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    socket.on('pong', answered);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            const text = String(data);
            // graphql-ws throws on a server-only message type (next, error, connection_ack): a
            // confused or hostile client, which the protocol answers with 4400 Bad Request
            const type = messageTypeOf(text);
            if (SERVER_ONLY_MESSAGES.has(type)) {
              socket.close(CloseCode.BadRequest, `Unexpected message of type ${type}`);
              return;
            }
            try {
              await handle(text);
            } catch (error) {
              onUnexpectedError(error, record);
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      closed(code, String(reason)).catch((error: unknown) => onUnexpectedError(error, record));
    });
  });
}

/** The `type` of a JSON frame, or undefined (graphql-ws answers anything unparseable with 4400 itself). */
function messageTypeOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { type?: unknown } | null)?.type;
  } catch {
    return undefined;
  }
}

