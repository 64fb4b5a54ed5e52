// Logs and metrics, wired in one place for app.ts: the logger, the metrics when they are on
// (METRICS, METRICS_PORT), and the seams they observe through. Off, the metrics cost nothing:
// no registry, no wrappers.
import type { DestinationStream } from 'pino';
import type { LiveAnnouncements } from '../domain/ports.js';
import type { DatabaseOptions } from '../persistence/database.js';
import type { TemplateRenderer } from '../domain/documents.js';
import { useRequestObservation } from './graphql-observer.js';
import { observeHttpRequests, type EndedRequest } from './http-observer.js';
import { countingDatabaseErrors, countingDocuments, timedRenderer } from './instrumentation.js';
import { createLogger, yogaLoggerOf, type LogFormat, type Logger } from './logger.js';
import { createMetrics, type MetricSources } from './metrics.js';
import { createMetricsServer } from './metrics-server.js';

export interface ObservabilityConfig {
  logging: 'debug' | 'info' | 'warn' | 'error' | false;
  logFormat: LogFormat;
  metrics: boolean;
  metricsPort: number | undefined;
}

export function createObservability(config: ObservabilityConfig, { logDestination }: { logDestination?: DestinationStream } = {}) {
  const logger: Logger = createLogger({ level: config.logging === false ? 'silent' : config.logging, format: config.logFormat, destination: logDestination });
  const metrics = config.metrics ? createMetrics() : undefined;
  const metricsServer = metrics && config.metricsPort !== undefined ? createMetricsServer(metrics) : undefined;
  let metricsUrl: string | undefined;
  return {
    logger,
    yogaLogger: yogaLoggerOf(logger),
    metrics,
    /** The metrics to serve on the service's own port: none when they have a port of their own. */
    metricsOnMainPort: metricsServer ? undefined : metrics,
    databaseOptions: (options: DatabaseOptions): DatabaseOptions => (metrics ? countingDatabaseErrors(options, metrics) : options),
    announcements: (announce: LiveAnnouncements): LiveAnnouncements => (metrics ? countingDocuments(announce, metrics) : announce),
    serviceHooks: (): { wrapRenderer?: (renderer: TemplateRenderer) => TemplateRenderer } => (metrics ? { wrapRenderer: (renderer) => timedRenderer(renderer, metrics) } : {}),
    graphqlPlugin: useRequestObservation(metrics),
    observeRequest: (isApi: (path: string) => boolean, onEnded?: (request: EndedRequest) => void) => observeHttpRequests({ logger, metrics, isApi, onEnded }),
    /** Request log entries dropped unwritten (a full buffer, or a batch the database refused). */
    requestLogDropped(count: number) {
      metrics?.requestLogDropped.inc(count);
    },
    requestLogFailed(error: unknown) {
      logger.warn({ err: error }, 'a request log batch could not be written; its entries were dropped');
    },
    readFrom: (sources: MetricSources) => metrics?.readFrom(sources),
    /** A renderer process ended during a render (its render is answered RENDER_FAILED, a replacement is starting). */
    rendererEnded({ pid, code, signal, outOfMemory, fatal }: { pid: number | undefined; code: number | null; signal: string | null; outOfMemory: boolean; fatal: string | undefined }) {
      metrics?.renderersEnded.inc({ reason: outOfMemory ? 'out_of_memory' : 'other' });
      logger.warn({ pid, code, signal, fatal }, 'a renderer process ended during a render; a replacement was started');
    },
    /** A mail attempt's outcome; a dead letter is also logged, by id, kind and reason (never its address or body). */
    mailAttempted(outcome: 'sent' | 'retry' | 'given_up', message?: { id: string; kind: string; reason: string }) {
      metrics?.mailAttempts.inc({ outcome });
      if (message) logger.warn({ mailId: message.id, kind: message.kind, reason: message.reason }, 'mail given up');
    },
    redisError(message: string, error: unknown) {
      metrics?.redisErrors.inc();
      logger.warn({ err: error }, message);
    },
    /** Starts the metrics' own server (METRICS_PORT) on the service's host. */
    async start(host: string) {
      if (metricsServer && !metricsUrl) metricsUrl = await metricsServer.start(config.metricsPort!, host);
    },
    /** Where /metrics is served when it has a port of its own (after start). */
    metricsUrl: () => metricsUrl,
    close: async () => {
      if (metricsUrl) await metricsServer?.close();
    },
  };
}

export type Observability = ReturnType<typeof createObservability>;
