// What clients that do not read their answers may hold of the server. An answer is written whole
// (a document is up to RENDER_MAX_OUTPUT_BYTES), and what the client's socket cannot take stays
// in this process until it reads: 100 connections that asked for 4 MB documents and never read
// held about 850 MiB. Three rules bound it:
// - one answer at a time per connection: a request (HTTP pipelining) starts only once the
//   previous answer on its connection has been handed to the operating system, so a connection
//   holds at most one unsent answer;
// - a connection whose answer makes no write progress for HTTP_WRITE_STALL_TIMEOUT_MS is reset;
// - across connections, a request for a large answer is refused (429, Retry-After) while the
//   unsent answers pass HTTP_MAX_UNSENT_BYTES: when it arrives (large-answer-admission.ts), and
//   again as its render is about to start (renderRefusal, asked by the render pool), so that
//   requests that all arrived before the total was passed are bounded too.
// The WebSocket side has its own bounds (WS_MAX_BUFFERED_BYTES, websocket/shared-subscription-delivery.ts):
// an upgraded socket leaves this accounting.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { toGraphQLError } from '../graphql/errors.js';
import { RateLimitedError } from '../domain/errors.js';

/** Requests a connection may have waiting for their turn (HTTP pipelining); the next ones are refused. */
export const MAX_WAITING_REQUESTS_PER_CONNECTION = 8;

/** What a request refused for the unsent answers is told to wait: about the time a stalled connection has left. */
const RETRY_AFTER_SECONDS = 1;

export interface UnsentAnswersOptions {
  /** HTTP_WRITE_STALL_TIMEOUT_MS: a connection whose unsent answer makes no progress this long is closed; 0 = never. */
  stallTimeoutMs: number;
  /** HTTP_MAX_UNSENT_BYTES: unsent answers across connections past which large answers are refused. */
  maxTotalBytes: number;
}

export class UnsentAnswers {
  /** Open HTTP connections, whose unsent bytes are counted; an upgraded one leaves. */
  private readonly connections = new Set<Socket>();
  /** Connections with an unsent answer whose progress is watched. */
  private readonly watched = new Set<Socket>();
  private readonly turns = new WeakMap<Socket, { busy: boolean; waiting: Array<() => void> }>();
  private closedForNoProgress = 0;
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly options: UnsentAnswersOptions) {}

  /** Follows the server's connections, and looks for unsent answers a few times per stall timeout. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => {
        this.connections.delete(socket);
        this.watched.delete(socket);
      });
    });
    // upgrade listeners run in order, and the WebSocket server's is added later: the socket is
    // gone from here before the handshake answer is written
    server.on('upgrade', (_request: IncomingMessage, socket: Socket) => this.connections.delete(socket));
    if (this.options.stallTimeoutMs > 0) {
      const every = Math.max(10, Math.min(1000, Math.floor(this.options.stallTimeoutMs / 4)));
      this.sweep = setInterval(() => this.watchStalledConnections(), every);
      this.sweep.unref();
    }
  }

  close(): void {
    clearInterval(this.sweep);
  }

  /** Bytes written to answers that their clients have not taken yet (what this process holds for them). */
  unsentBytes(): number {
    let total = 0;
    for (const socket of this.connections) total += socket.writableLength;
    return total;
  }

  /** Connections closed because their unsent answer made no progress (since start). */
  connectionsClosedForNoProgress(): number {
    return this.closedForNoProgress;
  }

  /**
   * Whether a new large answer may be made: not while the answers that clients have not read
   * pass HTTP_MAX_UNSENT_BYTES. Answers being made are not counted ahead: a request that waited
   * for them would wait in arrival order, in front of the render pool's fair shares by account.
   */
  roomForLargeAnswer(): boolean {
    return this.unsentBytes() <= this.options.maxTotalBytes;
  }

  /** The refusal of a large answer while there is no room, as a GraphQL error (429 with Retry-After). */
  refusal() {
    return toGraphQLError(this.refusalError());
  }

  /** The refusal of a render about to start while there is no room; undefined while there is. */
  renderRefusal(): RateLimitedError | undefined {
    return this.roomForLargeAnswer() ? undefined : this.refusalError();
  }

  private refusalError() {
    return new RateLimitedError(RETRY_AFTER_SECONDS, 'answers are waiting for their clients to read them');
  }

  /**
   * Runs `handle` once the connection's previous answers have been handed to the operating
   * system: a client that pipelines requests and reads none of the answers has one answer made
   * for it, not one per request. Past MAX_WAITING_REQUESTS_PER_CONNECTION waiting, a request is
   * answered 429 at once (after the earlier answers, as HTTP/1.1 orders them).
   */
  inTurn(req: IncomingMessage, res: ServerResponse, handle: () => void): void {
    const socket = req.socket;
    let turn = this.turns.get(socket);
    if (!turn) this.turns.set(socket, (turn = { busy: false, waiting: [] }));
    const current = turn;
    const next = () => {
      let following = current.waiting.shift();
      // a closed connection's waiting requests would be made for nobody
      while (following && socket.destroyed) following = current.waiting.shift();
      if (following) following();
      else current.busy = false;
    };
    const run = () => {
      current.busy = true;
      res.once('close', next);
      handle();
    };
    if (!current.busy) return run();
    if (current.waiting.length >= MAX_WAITING_REQUESTS_PER_CONNECTION) {
      const body = JSON.stringify({ errors: [{ message: `Too many pipelined requests on one connection (at most ${MAX_WAITING_REQUESTS_PER_CONNECTION} waiting). Read the answers first.`, extensions: { code: 'RATE_LIMITED', retryAfter: RETRY_AFTER_SECONDS } }] });
      res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': String(RETRY_AFTER_SECONDS) }).end(body);
      return;
    }
    current.waiting.push(run);
  }

  /**
   * Puts a no-progress timer on each connection whose socket holds more than it takes at once.
   * Node's socket timeout is the timer: it counts a write that moves forward, even part of one
   * large answer, as activity. It is lifted at the drain, which comes before the response's
   * finish, where the HTTP server sets its own keep-alive timeout.
   */
  private watchStalledConnections(): void {
    for (const socket of this.connections) {
      if (!socket.writableNeedDrain || this.watched.has(socket)) continue;
      this.watched.add(socket);
      // a reset, not a close: a close would leave the unsent bytes in the kernel until the
      // client reads them, which it does not
      const stalled = () => {
        this.closedForNoProgress += 1;
        socket.resetAndDestroy();
      };
      socket.setTimeout(this.options.stallTimeoutMs);
      socket.once('timeout', stalled);
      socket.once('drain', () => {
        socket.off('timeout', stalled);
        socket.setTimeout(0);
        this.watched.delete(socket);
      });
    }
  }
}
