// The chaos harness for several instances behind a load balancer, shared by
// server/test/multi-instance/chaos.test.ts and bench/chaos.ts:
//
// - a swarm of dashboards' live counts (documentCount over graphql-transport-ws) in a process of
//   its own, as bench/load/subscriber-swarm.ts opens them (the protocol spoken directly, one
//   JSON.parse per message), except that each subscriber reconnects as the dashboard does
//   (client/src/live-socket.ts: every failure retried, with backoff and jitter) and as a load
//   balancer routes it: a closed connection comes back on the next instance. Each subscriber checks
//   that its counts never go backwards (and strictly grow within one subscription, as the server
//   promises), and remembers when it first heard again after a reconnect.
// - documents at a steady rate through a client that sends each to the instances in turn and, when
//   one gives no answer (refused, reset), takes it out of the rotation for a moment and sends the
//   document again to another one, as a load balancer with passive health checks does.
//
// This file is both the harness (startChaosSwarm, BalancedDocuments) and, forked, the swarm process.
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const THIS_FILE = fileURLToPath(import.meta.url);
const PROJECT_ROOT = path.resolve(path.dirname(THIS_FILE), '../../..');

// ---------------------------------------------------------------------------------------------
// What the harness and the swarm process say to each other

export interface ChaosSwarmOptions {
  /** The instances, as the load balancer knows them: subscriber i starts on urls[i % urls.length]. */
  urls: string[];
  /** The dashboard session of the account that owns the token. */
  session: string;
  tokenId: string;
  count: number;
  /** Connect in batches of this size (0: all at once)… */
  batch?: number;
  /** …with this pause between batches. */
  batchPauseMs?: number;
  /** Reconnect backoff: the n-th failed attempt in a row waits min(max, base × 2^(n-1)) + jitter × random. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  retryJitterMs?: number;
  /** Keep the time of every live count received, for delivery latencies (the benchmark). */
  recordReceipts?: boolean;
}

export interface ChaosSwarmStatus {
  subscribers: number;
  /** Subscribers that received their current count on the connection they have now. */
  receiving: number;
  /** The same, by the instance they are connected to. */
  receivingOn: Record<string, number>;
  /** Subscribers whose highest count received is `finalCount` (when asked). */
  atFinal: number;
  minCount: number;
  maxCount: number;
  /** Counts below one the subscriber had already received (across its reconnects). */
  backwards: number;
  /** Counts not above the previous one within one subscription (the server sends each count once, growing). */
  notGrowingWithinSubscription: number;
  /** Reconnects after a connection that had received a count (dropped connections). */
  reconnects: number;
  /** Connection attempts that failed before a count arrived (refused, closed early). */
  failedAttempts: number;
  /** …of which: by instance, and how each ended (opened or not, the close code) with how long it lasted. */
  failedAttemptsOn: Record<string, number>;
  failedAttemptKinds: Record<string, number>;
  closeCodes: Record<string, number>;
  /** Of the subscribers that started on `movedFrom` (when asked): receiving on another instance now. */
  moved: number;
  /** …and the latest time (ms since the epoch) at which one of them first heard on its new connection. */
  movedLastFirstValueAt: number;
  /** Values that were not counts (subscription errors), with the first one's text. */
  errors: number;
  firstError?: string;
}

export interface LatencyReport {
  delivered: number;
  p50: number;
  p99: number;
}

type ToSwarm =
  | ({ type: 'start' } & ChaosSwarmOptions)
  | { type: 'status'; finalCount?: number; movedFrom?: string }
  | { type: 'latency'; answeredAt: Record<string, number> }
  | { type: 'exit' };

// ---------------------------------------------------------------------------------------------
// The harness side

export interface ChaosSwarm {
  /** Resolves once the swarm process has started opening its subscribers. */
  ready: Promise<void>;
  status(query?: { finalCount?: number; movedFrom?: string }): Promise<ChaosSwarmStatus>;
  /** Delivery latency (receipt − `answeredAt[count]`) over the counts given, from live events only (not a reconnect's first count). */
  latency(answeredAt: Record<number, number>): Promise<LatencyReport>;
  /** Polls status() until `done` holds; rejects with the last status after `timeoutMs`. */
  waitFor(what: string, done: (status: ChaosSwarmStatus) => boolean, options?: { timeoutMs?: number; finalCount?: number; movedFrom?: string }): Promise<ChaosSwarmStatus>;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startChaosSwarm(options: ChaosSwarmOptions): ChaosSwarm {
  const child = fork(THIS_FILE, [], {
    cwd: PROJECT_ROOT,
    execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const listener = (message: { type: string }) => {
        if (message.type !== type) return;
        child.off('message', listener);
        resolve(message as T);
      };
      child.on('message', listener);
      void exit.then(() => reject(new Error(`the chaos swarm exited while a ${type} was awaited`)));
    });
  const send = (message: ToSwarm) => void child.send(message);
  const ready = next('ready').then(() => send({ type: 'start', ...options }));
  const status = async (query: { finalCount?: number; movedFrom?: string } = {}) => {
    const reply = next<ChaosSwarmStatus & { type: string }>('status');
    send({ type: 'status', ...query });
    return reply;
  };
  return {
    ready,
    child,
    status,
    latency: async (answeredAt) => {
      const reply = next<LatencyReport & { type: string }>('latency');
      send({ type: 'latency', answeredAt });
      return reply;
    },
    waitFor: async (what, done, { timeoutMs = 60_000, ...query } = {}) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = await status(query);
        if (done(current)) return current;
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; the swarm: ${JSON.stringify(current)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    stop: async () => {
      if (exited) return;
      send({ type: 'exit' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(killer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Documents through a load balancer

const RENDER = JSON.stringify({ query: 'mutation { renderDocument(template: "x", data: {}) { documentCount } }' });

export interface DocumentAnswer {
  url: string;
  /** When the attempt was sent and when its answer (or failure) came, ms since the epoch. */
  sentAt: number;
  at: number;
  /** The HTTP status, or 0 when no answer came (connection refused or reset, timeout). */
  status: number;
  /** A 2xx with the document: the only answer that acknowledges one (a masked error comes as a 200 too). */
  ok: boolean;
  code?: string;
  retryAfter?: string | null;
  documentCount?: number;
  /** Why no answer came: the fetch error and its cause. */
  failure?: string;
  /**
   * No answer, and the request never reached the instance: the connection was refused, or not
   * accepted in time (undici's 10 s connect timeout: a starved instance's accept queue full, as in
   * a reconnect storm). Nothing was sent, so nothing can have been counted.
   */
  neverConnected?: boolean;
}

/** Connection failures in which the request was never sent. */
export const NEVER_CONNECTED_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT']);

export interface BalancedDocumentsOptions {
  urls: string[];
  secret: string;
  /** Open loop: a new document this many times a second, whatever the answers… */
  perSecond?: number;
  /** …or closed loop: this many clients, each sending its next document once the last is answered. */
  workers?: number;
  /** A closed-loop client waits this long after an answer that is not a 2xx (default 20 ms). */
  pauseAfterRefusalMs?: number;
  /** Send a document that got no answer again, to another instance (default true). */
  retryUnanswered?: boolean;
  /** How long an instance that gave no answer stays out of the rotation (a passive health check). */
  downForMs?: number;
  /** An attempt with no answer after this long counts as unanswered. */
  timeoutMs?: number;
}

/** "ok" for a 2xx with the document, "no answer", or the status and the error's code. */
export function outcomeOf(answer: DocumentAnswer): string {
  if (answer.ok) return 'ok';
  if (answer.status === 0) return `no answer (${answer.failure})`;
  return answer.code ? `${answer.status} ${answer.code}` : String(answer.status);
}

/**
 * Documents at a steady rate through a load balancer: round robin over the instances in the
 * rotation. An attempt that gets no answer takes its instance out of the rotation for downForMs and
 * (retryUnanswered) goes to the next instance. An answer, whatever its status, is the document's
 * outcome: only an unanswered request is sent again, as a load balancer retries a request whose
 * connection failed and passes an answer through.
 */
export class BalancedDocuments {
  readonly answers: DocumentAnswer[] = [];
  /** Documents answered 2xx with their count, each once (a retry's answer included). */
  acknowledged = 0;
  /** When each acknowledged count was answered (ms since the epoch), for delivery latencies. */
  readonly answeredAt: Record<number, number> = {};
  /** Documents sent (each counted once, however many attempts it took). */
  documents = 0;
  /** Documents that got no 2xx in the end. */
  failedDocuments = 0;
  private readonly inFlight = new Map<string, number>();
  private readonly downUntil = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  private next = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: BalancedDocumentsOptions) {
    for (const url of options.urls) this.inFlight.set(url, 0);
  }

  /** Attempts sent to `url` whose answer has not come (yet). */
  inFlightOn(url: string): number {
    return this.inFlight.get(url) ?? 0;
  }

  /** Answers (of `url`, or all) by outcome: "ok" (a 2xx with the document), "no answer", or the status and error code. */
  outcomesOf(url?: string): Record<string, number> {
    const outcomes: Record<string, number> = {};
    for (const answer of this.answers) {
      if (url !== undefined && answer.url !== url) continue;
      const outcome = outcomeOf(answer);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    return outcomes;
  }

  start(): void {
    this.running = true;
    const started = Date.now();
    const { perSecond, workers } = this.options;
    if (workers) {
      this.loop = Promise.all(
        Array.from({ length: workers }, async () => {
          while (this.running) {
            this.documents++;
            const before = this.acknowledged;
            await this.send();
            if (this.acknowledged === before) await new Promise((resolve) => setTimeout(resolve, this.options.pauseAfterRefusalMs ?? 20));
          }
        }),
      ).then(() => {});
      return;
    }
    if (!perSecond) throw new Error('BalancedDocuments: set perSecond or workers');
    this.loop = (async () => {
      for (let i = 0; this.running; i++) {
        const wait = started + (i * 1000) / perSecond - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (!this.running) break;
        this.documents++;
        const document = this.send();
        this.pending.add(document);
        void document.finally(() => this.pending.delete(document));
      }
    })();
  }

  /** Stops sending and waits for every document sent to be answered (or to fail). */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** The next instance in the rotation: round robin over those not taken out (all, if every one is). */
  private pick(exclude: Set<string>): string {
    const { urls } = this.options;
    const now = Date.now();
    for (let tried = 0; tried < urls.length; tried++) {
      const url = urls[this.next++ % urls.length]!;
      if (!exclude.has(url) && (this.downUntil.get(url) ?? 0) <= now) return url;
    }
    return urls.find((url) => !exclude.has(url)) ?? urls[this.next++ % urls.length]!;
  }

  private async send(): Promise<void> {
    const tried = new Set<string>();
    const retry = this.options.retryUnanswered ?? true;
    // up to three attempts per instance: a load balancer gives up on a document at some point too
    for (let attempt = 0; attempt < Math.max(3, this.options.urls.length * 3); attempt++) {
      const url = this.pick(tried);
      tried.add(url);
      const answer = await this.attempt(url);
      this.answers.push(answer);
      if (answer.status === 0) {
        this.downUntil.set(url, Date.now() + (this.options.downForMs ?? 1000));
        if (retry) {
          if (tried.size === this.options.urls.length) tried.clear();
          continue;
        }
      } else if (answer.ok) {
        this.acknowledged++;
        this.answeredAt[answer.documentCount!] = answer.at;
        return;
      }
      break;
    }
    this.failedDocuments++;
  }

  private async attempt(url: string): Promise<DocumentAnswer> {
    const sentAt = Date.now();
    this.inFlight.set(url, this.inFlightOn(url) + 1);
    try {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.secret}` },
        body: RENDER,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      const body = (await response.json().catch(() => ({}))) as {
        data?: { renderDocument?: { documentCount: number } } | null;
        errors?: Array<{ extensions?: { code?: string } }>;
      };
      const documentCount = body.data?.renderDocument?.documentCount;
      return {
        url,
        sentAt,
        at: Date.now(),
        status: response.status,
        ok: response.status >= 200 && response.status < 300 && documentCount !== undefined,
        code: body.errors?.[0]?.extensions?.code,
        retryAfter: response.headers.get('retry-after'),
        documentCount,
      };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return {
        url,
        sentAt,
        at: Date.now(),
        status: 0,
        ok: false,
        failure: `${(error as Error).name}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        neverConnected: NEVER_CONNECTED_CODES.has(cause?.code ?? ''),
      };
    } finally {
      this.inFlight.set(url, this.inFlightOn(url) - 1);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The swarm process

const SUBSCRIPTION = 'subscription($id: ID) { documentCount(tokenId: $id) { tokenId documentCount } }';

interface Subscriber {
  /** The instance it started on, and the one it is on (indexes into urls). */
  home: number;
  on: number;
  socket?: WebSocket;
  /** Failed attempts since it last received a count. */
  failures: number;
  /** The highest count received, over every connection; -1 before the first. */
  highest: number;
  /** The last count received on the current connection; undefined before its first. */
  lastOnConnection?: number;
  /** When it first received a count on the current connection (ms since the epoch). */
  firstValueAt?: number;
}

function runSwarm(): void {
  let options: ChaosSwarmOptions;
  const subscribers: Subscriber[] = [];
  const receipts = new Map<number, number[]>();
  const closeCodes: Record<string, number> = {};
  const problems = { backwards: 0, notGrowingWithinSubscription: 0, reconnects: 0, failedAttempts: 0, errors: 0, firstError: undefined as string | undefined };
  const failedAttemptsOn: Record<string, number> = {};
  const failedAttemptKinds: Record<string, number> = {};
  let stopping = false;

  const received = (subscriber: Subscriber, count: number) => {
    const now = Date.now();
    const first = subscriber.lastOnConnection === undefined;
    if (!first && count <= subscriber.lastOnConnection!) problems.notGrowingWithinSubscription++;
    if (count < subscriber.highest) problems.backwards++;
    subscriber.highest = Math.max(subscriber.highest, count);
    subscriber.lastOnConnection = count;
    subscriber.failures = 0;
    if (first) subscriber.firstValueAt = now;
    else if (options.recordReceipts) {
      let list = receipts.get(count);
      if (!list) receipts.set(count, (list = []));
      list.push(now);
    }
  };

  const connect = (subscriber: Subscriber) => {
    if (stopping) return;
    const url = options.urls[subscriber.on]!;
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const openedAt = Date.now();
    let opened = false;
    let acknowledged = false;
    subscriber.socket = socket;
    subscriber.lastOnConnection = undefined;
    subscriber.firstValueAt = undefined;
    socket.on('open', () => (opened = true) && socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${options.session}` } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: { data?: { documentCount?: { documentCount: number } }; errors?: unknown } | unknown[] };
      if (message.type === 'next') {
        const payload = message.payload as { data?: { documentCount?: { documentCount: number } }; errors?: unknown };
        if (payload.data?.documentCount) received(subscriber, payload.data.documentCount.documentCount);
        else {
          problems.errors++;
          problems.firstError ??= JSON.stringify(payload);
        }
      } else if (message.type === 'connection_ack') {
        acknowledged = true;
        socket.send(JSON.stringify({ id: randomUUID(), type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: options.tokenId } } }));
      } else if (message.type === 'ping') {
        socket.send('{"type":"pong"}');
      } else if (message.type === 'error' || message.type === 'complete') {
        // the subscription ended (a server error, or the server going away): start again
        if (message.type === 'error') {
          problems.errors++;
          problems.firstError ??= JSON.stringify(message.payload);
        }
        socket.close();
      }
    });
    socket.on('error', () => {});
    socket.on('close', (code) => {
      closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      if (stopping || subscriber.socket !== socket) return;
      if (subscriber.lastOnConnection !== undefined) problems.reconnects++;
      else {
        problems.failedAttempts++;
        failedAttemptsOn[url] = (failedAttemptsOn[url] ?? 0) + 1;
        const stage = acknowledged ? 'acknowledged' : opened ? 'opened' : 'not opened';
        const seconds = (Date.now() - openedAt) / 1000;
        const kind = `${stage}, ${code}, ${seconds < 1 ? '<1' : seconds < 5 ? '1-5' : seconds < 15 ? '5-15' : '≥15'} s`;
        failedAttemptKinds[kind] = (failedAttemptKinds[kind] ?? 0) + 1;
      }
      subscriber.socket = undefined;
      subscriber.lastOnConnection = undefined;
      subscriber.firstValueAt = undefined;
      subscriber.failures++;
      // as the dashboard does (client/src/live-socket.ts), with the load balancer's next instance
      const base = options.retryBaseMs ?? 250;
      const wait = Math.min(options.retryMaxMs ?? 4000, base * 2 ** (subscriber.failures - 1)) + Math.random() * (options.retryJitterMs ?? 1000);
      subscriber.on = (subscriber.on + 1) % options.urls.length;
      setTimeout(() => connect(subscriber), wait);
    });
  };

  const start = async () => {
    for (let i = 0; i < options.count; i++) {
      const subscriber: Subscriber = { home: i % options.urls.length, on: i % options.urls.length, failures: 0, highest: -1 };
      subscribers.push(subscriber);
      connect(subscriber);
      const batch = options.batch ?? 50;
      if (batch > 0 && i % batch === batch - 1) await new Promise((resolve) => setTimeout(resolve, options.batchPauseMs ?? 100));
    }
  };

  const status = (query: { finalCount?: number; movedFrom?: string }): ChaosSwarmStatus => {
    const receivingOn: Record<string, number> = {};
    let receiving = 0;
    let atFinal = 0;
    let moved = 0;
    let movedLastFirstValueAt = 0;
    let minCount = Infinity;
    let maxCount = -Infinity;
    const movedFrom = query.movedFrom === undefined ? -1 : options.urls.indexOf(query.movedFrom);
    for (const subscriber of subscribers) {
      minCount = Math.min(minCount, subscriber.highest);
      maxCount = Math.max(maxCount, subscriber.highest);
      if (subscriber.highest === query.finalCount) atFinal++;
      if (subscriber.firstValueAt === undefined) continue;
      receiving++;
      const url = options.urls[subscriber.on]!;
      receivingOn[url] = (receivingOn[url] ?? 0) + 1;
      if (subscriber.home === movedFrom && subscriber.on !== movedFrom) {
        moved++;
        movedLastFirstValueAt = Math.max(movedLastFirstValueAt, subscriber.firstValueAt);
      }
    }
    return {
      subscribers: subscribers.length,
      receiving,
      receivingOn,
      atFinal,
      minCount,
      maxCount,
      ...problems,
      failedAttemptsOn,
      failedAttemptKinds,
      closeCodes,
      moved,
      movedLastFirstValueAt,
    };
  };

  const latency = (answeredAt: Record<string, number>): LatencyReport => {
    const latencies: number[] = [];
    for (const [count, at] of Object.entries(answeredAt)) for (const receivedAt of receipts.get(Number(count)) ?? []) latencies.push(receivedAt - at);
    latencies.sort((a, b) => a - b);
    const percentile = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! : NaN);
    return { delivered: latencies.length, p50: percentile(0.5), p99: percentile(0.99) };
  };

  process.on('message', (message: ToSwarm) => {
    if (message.type === 'start') {
      options = message;
      void start();
    } else if (message.type === 'status') process.send!({ type: 'status', ...status(message) });
    else if (message.type === 'latency') process.send!({ type: 'latency', ...latency(message.answeredAt) });
    else if (message.type === 'exit') {
      stopping = true;
      for (const subscriber of subscribers) subscriber.socket?.terminate();
      process.exit(0);
    }
  });
  // the harness went away without saying so: do not linger with thousands of sockets
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready' });
}

if (process.argv[1] && path.resolve(process.argv[1]) === THIS_FILE && process.send) runSwarm();
