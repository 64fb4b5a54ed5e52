// A swarm of WebSocket subscribers in a process of its own, driven over IPC by bench/run.ts.
// mode "graphql-ws": real graphql-ws clients subscribing to documentCount on our server.
// mode "raw": plain ws sockets on the bare-ws baseline.
// It records when each subscriber received each count; the harness sends the times at which
// the matching document requests were answered, and gets latency percentiles back.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

interface Start {
  type: 'start';
  mode: 'graphql-ws' | 'raw';
  url: string;
  session?: string;
  tokenId?: string;
  count: number;
  /** Fraction of subscribers that stop reading their socket after subscribing. */
  pausedFraction?: number;
  /** Connect in batches of this size (0: all at once, a connect storm)… */
  batch?: number;
  /** …with this pause between batches. */
  batchPauseMs?: number;
}

const receipts = new Map<number, number[]>(); // count → receipt times of healthy subscribers
const firstValueAt: number[] = [];
const closeCodes: Record<string, number> = {};
const sockets: WebSocket[] = [];
let startedAt = 0;

function record(count: number, healthy: boolean, subscriber: number) {
  const now = Date.now();
  if (firstValueAt[subscriber] === undefined) firstValueAt[subscriber] = now - startedAt;
  if (!healthy) return;
  let list = receipts.get(count);
  if (!list) receipts.set(count, (list = []));
  list.push(now);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function start(message: Start) {
  startedAt = Date.now();
  const paused = Math.round(message.count * (message.pausedFraction ?? 0));
  const connectOne = (i: number) => {
    const healthy = i >= paused;
    if (message.mode === 'raw') {
      const socket = new WebSocket(message.url.replace('http', 'ws'));
      sockets.push(socket);
      socket.on('message', (data) => {
        const parsed = JSON.parse(String(data)) as { payload: { data: { documentCount: { documentCount: number } } } };
        record(parsed.payload.data.documentCount.documentCount, healthy, i);
      });
      socket.on('open', () => {
        record(-1, false, i);
        if (!healthy) (socket as unknown as { _socket: { pause(): void } })._socket.pause();
      });
      socket.on('close', (code) => (closeCodes[code] = (closeCodes[code] ?? 0) + 1));
      socket.on('error', () => {});
      return;
    }
    let own: WebSocket | undefined;
    class TrackedWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols);
        own = this;
        sockets.push(this);
        this.on('close', (code) => (closeCodes[code] = (closeCodes[code] ?? 0) + 1));
        this.on('error', () => {});
      }
    }
    const client = createClient({
      url: `${message.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: TrackedWebSocket,
      connectionParams: { authorization: `Bearer ${message.session}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
    });
    let subscribedPause = false;
    client.subscribe<{ documentCount: { documentCount: number } }>(
      { query: 'subscription($id: ID) { documentCount(tokenId: $id) { tokenId documentCount lastUsedAt } }', variables: { id: message.tokenId } },
      {
        next: (value) => {
          record(value.data!.documentCount.documentCount, healthy, i);
          if (!healthy && !subscribedPause) {
            subscribedPause = true;
            (own as unknown as { _socket?: { pause(): void } } | undefined)?._socket?.pause();
          }
        },
        error: () => {},
        complete: () => {},
      },
    );
  };
  const batch = message.batch ?? 0;
  for (let i = 0; i < message.count; i++) {
    connectOne(i);
    if (batch > 0 && i % batch === batch - 1) await new Promise((resolve) => setTimeout(resolve, message.batchPauseMs ?? 20));
  }
}

process.on('message', (message: Start | { type: 'status' } | { type: 'report'; answeredAt: Record<string, number> } | { type: 'exit' }) => {
  if (message.type === 'start') void start(message);
  if (message.type === 'status') {
    process.send!({ type: 'status', receiving: firstValueAt.filter((value) => value !== undefined).length, closeCodes });
  }
  if (message.type === 'report') {
    const latencies: number[] = [];
    let delivered = 0;
    for (const [count, answeredAt] of Object.entries(message.answeredAt)) {
      for (const receivedAt of receipts.get(Number(count)) ?? []) {
        delivered++;
        latencies.push(receivedAt - answeredAt);
      }
    }
    latencies.sort((a, b) => a - b);
    const receiving = firstValueAt.filter((value) => value !== undefined).sort((a, b) => a - b);
    process.send!({
      type: 'report',
      delivered,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      timeTo999PercentReceivingMs: percentile(receiving, 99.9),
      receiving: receiving.length,
      closeCodes,
    });
  }
  if (message.type === 'exit') {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  }
});
process.send!({ type: 'ready' });
