// Baseline for workload 6: the same two-instance path with nothing of ours in it. Run twice on one
// Redis: the publisher (RELAY_ROLE=publisher) answers every POST with the next count, published to
// Redis first, as our instance publishes a counted document before it answers; the broadcaster
// (RELAY_ROLE=broadcaster) reads the channel and writes each count to every WebSocket in
// graphql-ws's shape, serialising it once. What the bench measures here, from the publisher's
// answer to the broadcaster's push, is what this machine, Redis, ioredis and ws cost at that moment.
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import { countFrame } from './count-frame.js';

const CHANNEL = 'bare-relay:documentCount';
const redisUrl = process.env.REDIS_URL!;
const server = createServer();

if (process.env.RELAY_ROLE === 'publisher') {
  const redis = new Redis(redisUrl);
  let count = 0;
  server.on('request', (request, response) => {
    request.resume();
    request.on('end', () => {
      const documentCount = ++count;
      void redis.publish(CHANNEL, String(documentCount));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ data: { renderDocument: { documentCount } } }));
    });
  });
} else {
  const wss = new WebSocketServer({ server });
  const redis = new Redis(redisUrl);
  void redis.subscribe(CHANNEL);
  redis.on('message', (_channel: string, message: string) => {
    const frame = countFrame('bare', Number(message));
    for (const socket of wss.clients) socket.send(frame);
  });
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(`service on http://127.0.0.1:${address.port}`);
});
