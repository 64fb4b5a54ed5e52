// A swarm of WebSocket subscribers in a process of its own, driven over IPC by bench/run.ts.
// mode "graphql-ws": graphql-transport-ws clients subscribing to documentCount on our server.
// mode "raw": plain ws sockets on the bare-ws baseline.
// It records when each subscriber received each count; the harness sends the times at which
// the matching document requests were answered, and gets latency percentiles back.
import { randomUUID } from 'node:crypto';
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

const SUBSCRIPTION = 'subscription($id: ID) { documentCount(tokenId: $id) { tokenId documentCount lastUsedAt } }';

const receipts = new Map<number, number[]>(); // count → receipt times of healthy subscribers
const firstValueAt: number[] = [];
const lastCount: number[] = []; // per healthy subscriber, the highest count it received
const closeCodes: Record<string, number> = {};
const sockets: WebSocket[] = [];
let startedAt = 0;

function record(count: number, healthy: boolean, subscriber: number) {
  const now = Date.now();
  if (firstValueAt[subscriber] === undefined) firstValueAt[subscriber] = now - startedAt;
  if (!healthy) return;
  if (count > (lastCount[subscriber] ?? -1)) lastCount[subscriber] = count;
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
    // The graphql-transport-ws protocol spoken directly over ws: connection_init with the
    // session, subscribe, then read `next` messages. The same client work per message as the
    // raw-ws baseline's swarm (one JSON.parse), so that on a shared 2-core machine neither side's
    // figures are bent by a heavier client; graphql-ws's own client is exercised by the tests.
    const socket = new WebSocket(`${message.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    sockets.push(socket);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${message.session}` } })));
    socket.on('message', (data) => {
      const parsed = JSON.parse(String(data)) as { type: string; payload?: { data?: { documentCount?: { documentCount: number } } } };
      if (parsed.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: randomUUID(), type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: message.tokenId } } }));
      } else if (parsed.type === 'next' && parsed.payload?.data?.documentCount) {
        record(parsed.payload.data.documentCount.documentCount, healthy, i);
        if (!healthy) (socket as unknown as { _socket: { pause(): void } })._socket.pause();
      } else if (parsed.type === 'ping') {
        socket.send('{"type":"pong"}');
      }
    });
    socket.on('close', (code) => (closeCodes[code] = (closeCodes[code] ?? 0) + 1));
    socket.on('error', () => {});
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
    const finalCount = Math.max(...Object.keys(message.answeredAt).map(Number));
    const healthyAtFinal = lastCount.filter((count) => count === finalCount).length;
    const receiving = firstValueAt.filter((value) => value !== undefined).sort((a, b) => a - b);
    process.send!({
      type: 'report',
      delivered,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      timeTo999PercentReceivingMs: percentile(receiving, 99.9),
      receiving: receiving.length,
      healthyAtFinal,
      closeCodes,
    });
  }
  if (message.type === 'exit') {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  }
});
process.send!({ type: 'ready' });
