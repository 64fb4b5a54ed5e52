// The routes an operator's tools call, beside the API and the dashboard: liveness (/health),
// readiness (/ready), the Prometheus metrics (/metrics, when METRICS is on and no METRICS_PORT
// moves them to a port of their own) and, with DEBUG_ENDPOINTS=1, the process's vital signs as
// JSON (/debug/runtime; the benchmark reads it). Each answers and returns true, or returns false
// for a path not its own.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Metrics } from '../observability/metrics.js';
import { METRICS_PATH, serveMetrics } from '../observability/metrics-server.js';

export const DEBUG_RUNTIME_PATH = '/debug/runtime';

export interface OperationalRoutesOptions {
  /** Whether the database answers with every migration applied, and the event channel is up. */
  readiness(): Promise<{ ready: boolean; checks: Record<string, string> }>;
  /** Serve these metrics at /metrics. */
  metrics?: Metrics;
  /** Serve /debug/runtime: never on a public port, since ?gc makes the process collect its heap. */
  debugEndpoints: boolean;
  webSockets: { clientCount(): number; sharedSubscriptions(): { subscriptions: number; groups: number } };
}

export interface OperationalRoutes {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  close(): void;
}

export function operationalRoutes(options: OperationalRoutesOptions): OperationalRoutes {
  const eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });
  if (options.debugEndpoints) eventLoopDelay.enable();
  const ms = (nanoseconds: number) => Math.round(nanoseconds / 1e4) / 100;

  return {
    handle(_req, res, url) {
      if (url.pathname === '/health') {
        // liveness: the process answers
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return true;
      }
      if (url.pathname === '/ready') {
        void options.readiness().then(({ ready, checks }) => {
          res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }));
        });
        return true;
      }
      if (options.metrics && url.pathname === METRICS_PATH) {
        serveMetrics(options.metrics, res);
        return true;
      }
      if (options.debugEndpoints && url.pathname === DEBUG_RUNTIME_PATH) {
        // ?gc: a full collection first, when the process runs with --expose-gc (the benchmark's
        // servers do), so that memory samples compare live memory rather than collection timing
        if (url.searchParams.has('gc')) (globalThis as { gc?: () => void }).gc?.();
        const { rss, heapUsed } = process.memoryUsage();
        const cpu = process.cpuUsage();
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            eventLoopDelayMs: { p50: ms(eventLoopDelay.percentile(50)), p99: ms(eventLoopDelay.percentile(99)), max: ms(eventLoopDelay.max) },
            rssBytes: rss,
            heapUsedBytes: heapUsed,
            cpuMicros: { user: cpu.user, system: cpu.system },
            webSocketClients: options.webSockets.clientCount(),
            sharedSubscriptions: options.webSockets.sharedSubscriptions(),
          }),
        );
        // ?reset: the next sample's event-loop delay starts from here
        if (url.searchParams.has('reset')) eventLoopDelay.reset();
        return true;
      }
      return false;
    },
    close: () => eventLoopDelay.disable(),
  };
}
