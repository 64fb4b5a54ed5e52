// /metrics in Prometheus's text format, on the service's own port (METRICS=1) or on a port of
// its own (METRICS_PORT), which a firewall can keep to the scraper.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

/** Answers a scrape; a failure to collect is a 500, never a crash. */
export function serveMetrics(metrics: Metrics, res: ServerResponse): void {
  metrics.registry.metrics().then(
    (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(text),
    () => res.writeHead(500).end(),
  );
}

export interface MetricsServer {
  /** Listens; resolves to the base URL. */
  start(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

export function createMetricsServer(metrics: Metrics): MetricsServer {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname === METRICS_PATH) serveMetrics(metrics, res);
    else res.writeHead(404).end();
  });
  return {
    start: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          resolve(`http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
        });
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
