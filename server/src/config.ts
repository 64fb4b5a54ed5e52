// Every environment variable the server reads, with its default. The README's table mirrors this.
// (Over 200 lines: one entry per variable, and they belong in one list.)
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { DEFAULT_DATABASE_URL } from './persistence/database.js';
import { PROJECT_ROOT } from './paths.js';
import { parseAllowedOrigins } from './http/origin-policy.js';
import type { LogFormat } from './observability/logger.js';
import { DEFAULT_AUDIT_RETENTION_DAYS } from './domain/audit.js';
import { DEFAULT_TOKEN_MUTATIONS_PER_ACCOUNT_PER_MINUTE, DEFAULT_WEBHOOK_MAX_WAITING_PER_ACCOUNT, DEFAULT_WEBHOOK_RETENTION_DAYS } from './domain/webhooks.js';


export interface AppConfig {
  /** file: (SQLite) or postgresql:// URL; unset means file:./data/pogodoc.db. */
  databaseUrl: string;
  /** redis:// URL that carries subscription events between instances; unset keeps them in process. */
  redisUrl: string | undefined;
  host: string;
  port: number;
  /** Serve GraphiQL at /graphql for browsers. */
  graphiql: boolean;
  /** Mark the session cookie Secure: set it when the service is reached over HTTPS. */
  secureCookies: boolean;
  /** The built dashboard, served at /. */
  dashboardDir: string;
  /** Serve the schema to introspection queries (GraphiQL needs it). */
  introspection: boolean;
  /** Collect Prometheus metrics and serve them at /metrics (METRICS=1, or implied by METRICS_PORT). */
  metrics: boolean;
  /** Serve /metrics on this port instead of the service's own (METRICS_PORT). */
  metricsPort: number | undefined;
  /** Serve /debug/runtime (process vital signs as JSON, for the benchmark): DEBUG_ENDPOINTS=1. */
  debugEndpoints: boolean;
  /**
   * How many proxies of our own stand in front of the service (TRUST_PROXY): the client address
   * for rate limits is the X-Forwarded-For hop they received the request from. 0 ignores the header.
   */
  trustProxy: number;
  limits: Limits;
  /**
   * Origins of other sites whose pages may call the API and open WebSockets with the user's
   * session (ALLOWED_ORIGINS). The service's own origin is always allowed; no other is by default.
   */
  allowedOrigins: string[];
  /** The log level; `false` silences the log. */
  logging: 'debug' | 'info' | 'warn' | 'error' | false;
  /** JSON lines (the default), or pretty lines for people (LOG_FORMAT=pretty; the default under NODE_ENV=development). */
  logFormat: LogFormat;
  /** Where a secret scanner publishes its public keys (SECRET_SCANNING_KEYS_URL); unset turns the leak endpoint off. */
  secretScanningKeysUrl: string | undefined;
  /** Audit events older than this many days are pruned (AUDIT_RETENTION_DAYS, 400 by default). */
  auditRetentionDays: number;
  /** Webhook URLs may be http:// and reach loopback and private addresses (WEBHOOKS_ALLOW_PRIVATE_URLS; development and tests only). */
  webhookAllowPrivateUrls: boolean;
  /** How often each instance looks for due webhook messages (WEBHOOK_POLL_MS); 0 turns delivery off. */
  webhookPollMs: number;
  /** Delivered and given-up webhook messages are deleted after this many days (WEBHOOK_RETENTION_DAYS). */
  webhookRetentionDays: number;
}

/** Every abuse limit, with its environment variable in the README's table. */
export interface Limits {
  maxRequestBodyBytes: number;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  wsMaxPayloadBytes: number;
  wsConnectionInitTimeoutMs: number;
  wsMaxSubscriptionsPerConnection: number;
  wsMaxConnectionsPerAccount: number;
  /** Past this much unsent on its socket, a live-count subscriber keeps only the latest counts. */
  wsMaxBufferedBytes: number;
  /** A subscriber whose socket has not drained for this long is closed with 1013. */
  wsSlowSubscriberTimeoutMs: number;
  signInFailuresPerAccount: number;
  signInFailuresPerIp: number;
  /** Window of both sign-in limits. */
  signInFailureWindowSeconds: number;
  apiTokenFailuresPerIpPerMinute: number;
  signUpsPerIpPerHour: number;
  documentsPerTokenPerMinute: number;
  /** generateToken, rollToken, updateToken and deleteToken per account and minute: each writes a webhook message per endpoint. */
  tokenMutationsPerAccountPerMinute: number;
  /** Webhook messages an account may have waiting; past it its oldest non-security ones are given up (domain/webhooks.ts). */
  webhookMaxWaitingPerAccount: number;
  /** Worker threads that render templates, off the main event loop. */
  renderThreads: number;
  /** Renders of one account that run at once: its share of the render threads. */
  renderConcurrencyPerAccount: number;
  /** Templates and data (characters, plus 1 KiB a render) of one account's renders waiting for a thread; past it, RATE_LIMITED. */
  renderQueueBytesPerAccount: number;
  /** Wall-clock limit of one render, from when it gets a thread; the thread is terminated at it. */
  renderTimeoutMs: number;
  /** Heap cap of each render thread (V8's old generation), MiB. */
  renderHeapMb: number;
  /** Output one render may produce, text captured with {% capture %} included, bytes. */
  renderMaxOutputBytes: number;
  /** Parse cache of each render thread, bounded by the heap its parse trees hold, MiB. */
  renderCacheMb: number;
  /** How long a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** A connection that has not sent a request's headers within this is answered 408 and closed. */
  httpHeadersTimeoutMs: number;
  /** The same for a whole request, body included (not the response: streams stay open). */
  httpRequestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  httpKeepAliveTimeoutMs: number;
  /** Open connections per client address (IPv6: per /64), WebSockets included; 0 = no cap. Not applied with TRUST_PROXY. */
  maxConnectionsPerAddress: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
}

export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
  // two threads at least, so that one busy account never has the whole pool, even on one core
  const renderThreads = Math.max(1, integer(env, 'RENDER_THREADS', Math.max(2, availableParallelism())));
  const renderMaxOutputBytes = integer(env, 'RENDER_MAX_OUTPUT_BYTES', 4 * 1024 * 1024);
  if (renderMaxOutputBytes > 8 * 1024 * 1024) {
    // a render thread at its heap cap ends alone only if no single allocation is large (rendering/render-worker.mjs)
    throw new Error(`RENDER_MAX_OUTPUT_BYTES can be at most 8388608 (8 MiB), got "${env.RENDER_MAX_OUTPUT_BYTES}"`);
  }
  return {
    maxRequestBodyBytes: integer(env, 'MAX_REQUEST_BODY_BYTES', 512 * 1024),
    maxDepth: integer(env, 'GRAPHQL_MAX_DEPTH', 8),
    maxAliases: integer(env, 'GRAPHQL_MAX_ALIASES', 15),
    maxTokens: integer(env, 'GRAPHQL_MAX_TOKENS', 1000),
    maxDirectives: integer(env, 'GRAPHQL_MAX_DIRECTIVES', 10),
    maxCost: integer(env, 'GRAPHQL_MAX_COST', 5000),
    wsMaxPayloadBytes: integer(env, 'WS_MAX_PAYLOAD_BYTES', 512 * 1024),
    wsConnectionInitTimeoutMs: integer(env, 'WS_CONNECTION_INIT_TIMEOUT_MS', 3000),
    wsMaxSubscriptionsPerConnection: integer(env, 'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', 20),
    wsMaxConnectionsPerAccount: integer(env, 'WS_MAX_CONNECTIONS_PER_ACCOUNT', 50),
    wsMaxBufferedBytes: integer(env, 'WS_MAX_BUFFERED_BYTES', 64 * 1024),
    wsSlowSubscriberTimeoutMs: integer(env, 'WS_SLOW_SUBSCRIBER_TIMEOUT_MS', 30_000),
    signInFailuresPerAccount: integer(env, 'SIGN_IN_FAILURES_PER_ACCOUNT', 10),
    signInFailuresPerIp: integer(env, 'SIGN_IN_FAILURES_PER_IP', 50),
    signInFailureWindowSeconds: integer(env, 'SIGN_IN_FAILURE_WINDOW_SECONDS', 15 * 60),
    apiTokenFailuresPerIpPerMinute: integer(env, 'API_TOKEN_FAILURES_PER_IP_PER_MINUTE', 30),
    signUpsPerIpPerHour: integer(env, 'SIGN_UPS_PER_IP_PER_HOUR', 20),
    documentsPerTokenPerMinute: integer(env, 'DOCUMENTS_PER_TOKEN_PER_MINUTE', 6000),
    tokenMutationsPerAccountPerMinute: integer(env, 'TOKEN_MUTATIONS_PER_ACCOUNT_PER_MINUTE', DEFAULT_TOKEN_MUTATIONS_PER_ACCOUNT_PER_MINUTE),
    webhookMaxWaitingPerAccount: Math.max(1, integer(env, 'WEBHOOK_MAX_WAITING_PER_ACCOUNT', DEFAULT_WEBHOOK_MAX_WAITING_PER_ACCOUNT)),
    renderThreads,
    renderConcurrencyPerAccount: Math.max(1, integer(env, 'RENDER_CONCURRENCY_PER_ACCOUNT', Math.max(1, Math.floor(renderThreads / 2)))),
    renderQueueBytesPerAccount: integer(env, 'RENDER_QUEUE_BYTES_PER_ACCOUNT', 16 * 1024 * 1024),
    renderTimeoutMs: Math.max(1, integer(env, 'RENDER_TIMEOUT_MS', 1000)),
    renderHeapMb: Math.max(16, integer(env, 'RENDER_HEAP_MB', 128)),
    renderMaxOutputBytes,
    renderCacheMb: integer(env, 'RENDER_CACHE_MB', 32),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000),
    httpHeadersTimeoutMs: integer(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000),
    httpRequestTimeoutMs: integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000),
    httpKeepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000),
    maxConnectionsPerAddress: integer(env, 'MAX_CONNECTIONS_PER_ADDRESS', 256),
  };
}

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

/** TRUST_PROXY: off, or the number of trusted proxy hops; on/true/yes mean one, as they always did. */
function trustedProxyHops(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const word = value.trim().toLowerCase();
  if (['off', 'false', 'no'].includes(word)) return 0;
  if (['on', 'true', 'yes'].includes(word)) return 1;
  const hops = Number(word);
  if (!Number.isInteger(hops) || hops < 0) throw new Error(`TRUST_PROXY must be off or a number of proxy hops, got "${value}"`);
  return hops;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be debug, info, warn, error or silent, got "${logLevel}"`);
  }
  const logFormat = env.LOG_FORMAT || (env.NODE_ENV === 'development' ? 'pretty' : 'json');
  if (logFormat !== 'json' && logFormat !== 'pretty') throw new Error(`LOG_FORMAT must be json or pretty, got "${logFormat}"`);
  const metricsPort = env.METRICS_PORT ? Number(env.METRICS_PORT) : undefined;
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)) {
    throw new Error(`METRICS_PORT must be a port number, got "${env.METRICS_PORT}"`);
  }
  return {
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    redisUrl: env.REDIS_URL || undefined,
    host: env.HOST || '127.0.0.1',
    port,
    graphiql: flag(env.GRAPHIQL, !production),
    secureCookies: flag(env.COOKIE_SECURE, production),
    introspection: flag(env.INTROSPECTION, !production),
    trustProxy: trustedProxyHops(env.TRUST_PROXY),
    metrics: flag(env.METRICS, metricsPort !== undefined),
    metricsPort,
    debugEndpoints: flag(env.DEBUG_ENDPOINTS, false),
    limits: limitsFromEnv(env),
    allowedOrigins: parseAllowedOrigins(env.ALLOWED_ORIGINS),
    dashboardDir: env.DASHBOARD_DIR || path.join(PROJECT_ROOT, 'client', 'dist'),
    logging: logLevel === 'silent' ? false : (logLevel as AppConfig['logging']),
    logFormat,
    secretScanningKeysUrl: env.SECRET_SCANNING_KEYS_URL || undefined,
    auditRetentionDays: Math.max(1, integer(env, 'AUDIT_RETENTION_DAYS', DEFAULT_AUDIT_RETENTION_DAYS)),
    webhookAllowPrivateUrls: flag(env.WEBHOOKS_ALLOW_PRIVATE_URLS, false),
    webhookPollMs: integer(env, 'WEBHOOK_POLL_MS', 1000),
    webhookRetentionDays: Math.max(1, integer(env, 'WEBHOOK_RETENTION_DAYS', DEFAULT_WEBHOOK_RETENTION_DAYS)),
  };
}
