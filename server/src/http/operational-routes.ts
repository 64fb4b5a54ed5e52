// The routes an operator's tools call, beside the API and the dashboard, as Yoga plugins that
// answer before any GraphQL work: liveness (/health, Yoga's own check), readiness (/ready, Yoga's
// useReadinessCheck), the Prometheus metrics (/metrics, when METRICS is on and no METRICS_PORT
// moves them to a port of their own) and, with DEBUG_ENDPOINTS=1, the process's vital signs as
// JSON (/debug/runtime; the benchmark reads it).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { useReadinessCheck, type Plugin } from 'graphql-yoga';
import type { Metrics } from '../observability/metrics.js';
import { METRICS_PATH } from '../observability/metrics-server.js';

export const HEALTH_PATH = '/health';
export const READY_PATH = '/ready';
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
  /** The paths these plugins answer: the server hands them to Yoga. */
  paths: ReadonlySet<string>;
  plugins: Plugin[];
  close(): void;
}

const json = (fetchAPI: { Response: typeof Response }, body: unknown, status = 200) =>
  new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });

export function operationalRoutes(options: OperationalRoutesOptions): OperationalRoutes {
  const paths = new Set([HEALTH_PATH, READY_PATH]);
  const plugins: Plugin[] = [
    useReadinessCheck({
      endpoint: READY_PATH,
      check: async ({ fetchAPI }) => {
        const { ready, checks } = await options.readiness();
        return json(fetchAPI, { status: ready ? 'ready' : 'not ready', checks }, ready ? 200 : 503);
      },
    }),
  ];

  const { metrics } = options;
  if (metrics) {
    paths.add(METRICS_PATH);
    plugins.push({
      onRequest({ url, endResponse, fetchAPI }) {
        if (url.pathname !== METRICS_PATH) return;
        // a failure to collect is a 500, never a crash
        return metrics.registry.metrics().then(
          (text) => endResponse(new fetchAPI.Response(text, { headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' } })),
          () => endResponse(new fetchAPI.Response(null, { status: 500 })),
        );
      },
    });
  }

  const eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });
  if (options.debugEndpoints) {
    eventLoopDelay.enable();
    paths.add(DEBUG_RUNTIME_PATH);
    const ms = (nanoseconds: number) => Math.round(nanoseconds / 1e4) / 100;
    plugins.push({
      onRequest({ url, endResponse, fetchAPI }) {
        if (url.pathname !== DEBUG_RUNTIME_PATH) return;
        // ?gc: a full collection first, when the process runs with --expose-gc (the benchmark's
        // servers do), so that memory samples compare live memory rather than collection timing
        if (url.searchParams.has('gc')) (globalThis as { gc?: () => void }).gc?.();
        const { rss, heapUsed } = process.memoryUsage();
        const cpu = process.cpuUsage();
        endResponse(
          json(fetchAPI, {
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
      },
    });
  }
  return { paths, plugins, close: () => eventLoopDelay.disable() };
}
