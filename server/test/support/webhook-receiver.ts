// A webhook receiver on loopback that keeps every request it gets, and can be taken down (its port
// closed), brought back up on the same port, or made to answer with a status of the test's choice.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The status to answer (200 by default); a function decides per request. */
  respondWith(status: number | ((request: ReceivedWebhook) => number)): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let status: number | ((request: ReceivedWebhook) => number) = 200;
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const request = { headers: req.headers, body };
        received.push(request);
        res.writeHead(typeof status === 'function' ? status(request) : status).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server!.address() as AddressInfo).port;
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    respondWith: (next) => (status = next),
    down: stop,
    up: listen,
    close: stop,
  };
}
