// Baseline: a bare `ws` server that broadcasts one payload to every socket when the harness
// says so (over IPC), serialising it once. The same JSON shape graphql-ws sends for our events.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { countFrame } from './count-frame.js';

const server = createServer();
const wss = new WebSocketServer({ server });
process.on('message', (message: { count: number; tokenId: string } | { gc: true }) => {
  // the harness samples memory after a full collection (this process runs with --expose-gc)
  if ('gc' in message) {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ gcDone: true });
    return;
  }
  const frame = countFrame(message.tokenId, message.count);
  for (const socket of wss.clients) socket.send(frame);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(`service on http://127.0.0.1:${address.port}`);
});
