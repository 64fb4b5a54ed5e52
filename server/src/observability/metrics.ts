// The Prometheus metrics, all in one registry (prom-client). Off by default: METRICS=1 serves
// them at /metrics on the service's port, METRICS_PORT on a port of their own.
// docs/operations.md lists each name and what to alert on; keep the two together.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics read when they are scraped, rather than count as it happens. */
export interface MetricSources {
  webSocketConnections(): number;
  /** Live-count subscriptions over WebSocket (the shared delivery's). */
  webSocketSubscriptions(): number;
  /** Answer bytes that HTTP clients have not read yet (http/unsent-answers.ts). */
  unsentAnswerBytes(): number;
  /** HTTP connections reset because their answer made no write progress. */
  connectionsClosedForNoProgress(): number;
}

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * A metric's child for each label value, made on first use and kept, for the metrics that move on
 * every request: given a labels object instead, a histogram of prom-client makes a closure for
 * each observation, and the caller an object. Only for label values that are bounded (operations,
 * codes, outcomes): a child is never dropped.
 */
function childPer<Child>(make: (value: string) => Child): (value: string) => Child {
  const children = new Map<string, Child>();
  return (value) => {
    let child = children.get(value);
    if (child === undefined) children.set(value, (child = make(value)));
    return child;
  };
}

export function createMetrics() {
  const registry = new Registry();
  let sources: MetricSources | undefined;
  // process_* and nodejs_*: CPU, memory, handles, GC, and the event-loop delay (nodejs_eventloop_lag_*)
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const registers = [registry];
  const requests = new Counter({
    name: 'pogodoc_graphql_requests_total',
    help: 'GraphQL requests over HTTP, by operation (its root fields) and outcome (extensions.code of the first error, or OK)',
    labelNames: ['operation', 'code'] as const,
    registers,
  });
  const requestDuration = new Histogram({
    name: 'pogodoc_graphql_request_duration_seconds',
    help: 'Time from a GraphQL request arriving over HTTP to its response ending, by operation',
    labelNames: ['operation'] as const,
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const renderDuration = new Histogram({
    name: 'pogodoc_render_duration_seconds',
    help: 'Time of one render, waiting for a renderer included, by outcome (OK or the error code)',
    labelNames: ['outcome'] as const,
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const metrics = {
    registry,
    requests,
    requestDuration,
    documentsRendered: new Counter({
      name: 'pogodoc_documents_rendered_total',
      help: 'Documents rendered and counted on a token (idempotent replays are not rendered again)',
      registers,
    }),
    tokenAuthFailures: new Counter({
      name: 'pogodoc_api_token_auth_failures_total',
      help: 'Requests refused for their API token (HTTP 401), by code',
      labelNames: ['code'] as const,
      registers,
    }),
    renderDuration,
    webSocketConnections: new Gauge({
      name: 'pogodoc_websocket_connections',
      help: 'Open WebSocket connections',
      registers,
      collect() {
        if (sources) this.set(sources.webSocketConnections());
      },
    }),
    liveSubscriptions: new Gauge({
      name: 'pogodoc_live_subscriptions',
      help: 'Live-count subscriptions being served, by transport (websocket, or http for server-sent events)',
      labelNames: ['transport'] as const,
      registers,
      collect() {
        if (sources) this.set({ transport: 'websocket' }, sources.webSocketSubscriptions());
      },
    }),
    unsentAnswerBytes: new Gauge({
      name: 'pogodoc_http_unsent_answer_bytes',
      help: 'Answer bytes that HTTP clients have not read yet; past HTTP_MAX_UNSENT_BYTES new documents are refused',
      registers,
      collect() {
        if (sources) this.set(sources.unsentAnswerBytes());
      },
    }),
    connectionsClosedForNoProgress: new Gauge({
      name: 'pogodoc_http_connections_reset_for_no_progress',
      help: 'HTTP connections reset since start because their answer made no write progress for HTTP_WRITE_STALL_TIMEOUT_MS',
      registers,
      collect() {
        if (sources) this.set(sources.connectionsClosedForNoProgress());
      },
    }),
    databaseErrors: new Counter({
      name: 'pogodoc_database_errors_total',
      help: 'Failed database statements, by kind: unavailable (unreachable, locked, overloaded) or other (a constraint, a bad statement)',
      labelNames: ['kind'] as const,
      registers,
    }),
    redisErrors: new Counter({
      name: 'pogodoc_redis_errors_total',
      help: 'Redis connection errors and failed commands of the live-event channel',
      registers,
    }),
    requestLogDropped: new Counter({
      name: 'pogodoc_request_log_dropped_total',
      help: 'Request log entries dropped unwritten: the buffer was full (a flood; the oldest go first, per account) or their batch failed. The refusal counts are kept either way',
      registers,
    }),
    mailAttempts: new Counter({
      name: 'pogodoc_mail_attempts_total',
      help: 'Attempts to send a message of the mail outbox, by outcome: sent, retry (a failure, tried again later) or given_up (a dead letter: refused for good, or out of retries)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    renderersEnded: new Counter({
      name: 'pogodoc_renderers_ended_total',
      help: 'Renderer processes that ended during a render, by why: out_of_memory (the heap cap) or other (killed from outside, a crash); timeouts are in pogodoc_render_duration_seconds',
      labelNames: ['reason'] as const,
      registers,
    }),
    /** The request metrics of one operation: its duration, and its count by outcome code. */
    requestsOf: childPer((operation) => ({
      duration: requestDuration.labels(operation),
      count: childPer((code) => requests.labels(operation, code)),
    })),
    /** The render duration of one outcome. */
    renderDurationOf: childPer((outcome) => renderDuration.labels(outcome)),
    /** Gives the gauges read at scrape time what they read (the WebSocket server exists after Yoga). */
    readFrom(readers: MetricSources) {
      sources = readers;
    },
  };
  metrics.liveSubscriptions.set({ transport: 'http' }, 0);
  metrics.liveSubscriptions.set({ transport: 'websocket' }, 0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
