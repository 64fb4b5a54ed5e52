// Every environment variable the server reads, with its default. The table in docs/configuration.md mirrors this.
// (Over 200 lines: one entry per variable, and they belong in one list.)
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './paths.js';

// Every layer reads this file, so it imports none of them: the defaults below live here.
/** The embedded default: a SQLite file under ./data, so that `npm start` needs nothing else. */
export const DEFAULT_DATABASE_URL = 'file:./data/pogodoc.db';
/** Audit events are kept this long unless AUDIT_RETENTION_DAYS says otherwise. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 400;
/** JSON lines (the default), or pretty lines for people. */
export type LogFormat = 'json' | 'pretty';
/** Token mutations (generate, roll, update, delete) per account and minute: each writes a webhook message for every endpoint. */
export const DEFAULT_TOKEN_MUTATIONS_PER_ACCOUNT_PER_MINUTE = 60;
/** Delivered and given-up webhook messages (with their attempts) are deleted after this many days. */
export const DEFAULT_WEBHOOK_RETENTION_DAYS = 30;
/** Waiting webhook messages an account may have (domain/webhooks.ts says what happens past it). */
export const DEFAULT_WEBHOOK_MAX_WAITING_PER_ACCOUNT = 10_000;


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
  /** smtp:// or smtps:// URL of the server that sends mail (SMTP_URL); unset: the dev mailbox (/dev/mailbox), never in production. */
  smtpUrl: string | undefined;
  /** The From of every message (MAIL_FROM). */
  mailFrom: string;
  /** Where the dashboard is reached, for links in messages (PUBLIC_URL); by default http://HOST:PORT. */
  publicUrl: string;
  /** How often each instance looks for due mail (MAIL_POLL_MS); 0 turns delivery off. */
  mailPollMs: number;
  /** Sent and given-up messages are deleted after this many days (MAIL_RETENTION_DAYS). */
  mailRetentionDays: number;
  /** NODE_ENV=production: no dev mailbox. */
  production: boolean;
  /** The request log (REQUEST_LOG, on by default): every request that presents a known API token, kept by plan. */
  requestLog: boolean;
  /** How often each instance writes its buffered request log entries (REQUEST_LOG_FLUSH_MS); 0: only on shutdown (tests flush themselves). */
  requestLogFlushMs: number;
  /** How long a session's query answer is reused while nothing was written (RESPONSE_CACHE_TTL_MS; SQLite only, graphql/response-cache.ts); 0: never. */
  responseCacheTtlMs: number;
  /** The answers the response cache keeps, counted as their JSON and keys (RESPONSE_CACHE_MB). */
  responseCacheBytes: number;
}

/** Every abuse limit, with its environment variable in docs/configuration.md's Limits table. */
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
  /** A ping to every WebSocket this often; a socket that has not answered by the next one is dropped. */
  wsKeepAliveMs: number;
  /** Events an audit subscription (either transport) holds for its client before SUBSCRIBER_TOO_SLOW. */
  liveMaxUnreadEvents: number;
  signInFailuresPerAccount: number;
  signInFailuresPerIp: number;
  /** Window of both sign-in limits. */
  signInFailureWindowSeconds: number;
  apiTokenFailuresPerIpPerMinute: number;
  signUpsPerIpPerHour: number;
  /** The most document requests any token may make per minute and per second; a plan allows a share, a token less (domain/token-rate-limits.ts). */
  documentsPerTokenPerMinute: number;
  documentsPerTokenPerSecond: number;
  /** generateToken, rollToken, updateToken and deleteToken per account and minute: each writes a webhook message per endpoint. */
  tokenMutationsPerAccountPerMinute: number;
  /** Webhook messages an account may have waiting; past it its oldest non-security ones are given up (domain/webhooks.ts). */
  webhookMaxWaitingPerAccount: number;
  /** Renderer processes that render templates, apart from the server (one more is kept as a spare). */
  renderProcesses: number;
  /** Renders of one account that run at once: its share of the renderer processes. */
  renderConcurrencyPerAccount: number;
  /** Templates and data (characters, plus 1 KiB a render) of one account's renders waiting for a renderer; past it, RATE_LIMITED. */
  renderQueueBytesPerAccount: number;
  /** The same over all accounts' waiting renders (free accounts together hold at most half of it); past it, RATE_LIMITED. */
  renderQueueBytesTotal: number;
  /** Wall-clock limit of one render, from when it starts on a renderer; the renderer process is killed at it. */
  renderTimeoutMs: number;
  /** Heap cap of each renderer process (V8's old generation), MiB. */
  renderHeapMb: number;
  /** Output one render may produce, text captured with {% capture %} included, bytes. */
  renderMaxOutputBytes: number;
  /** Parse cache of each renderer process, bounded by the heap its parse trees hold, MiB. */
  renderCacheMb: number;
  /** How long a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** A connection that has not sent a request's headers within this is answered 408 and closed. */
  httpHeadersTimeoutMs: number;
  /** The same for a whole request, body included (not the response: streams stay open). */
  httpRequestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  httpKeepAliveTimeoutMs: number;
  /** Connections at work per client address (IPv6: per /64): with a request in progress, or a WebSocket; 0 = no cap. Not applied with TRUST_PROXY. */
  maxConnectionsPerAddress: number;
  /** A connection whose unsent answer makes no write progress for this long is closed; 0 = never. */
  httpWriteStallTimeoutMs: number;
  /** Answers written and not yet read by their clients, across connections; past it, large answers (documents) are refused. */
  httpMaxUnsentBytes: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
}

/** An integer setting that must lie in [min, max]: outside it the setting means nothing safe. */
function integerWithin(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = integer(env, name, fallback);
  if (value < min || value > max) throw new Error(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
  // two renderers at least, so that one busy account never has the whole pool, even on one core;
  // RENDER_THREADS is the name from when renderers were threads
  const renderProcesses = Math.max(1, integer(env, env.RENDER_PROCESSES ? 'RENDER_PROCESSES' : 'RENDER_THREADS', Math.max(2, availableParallelism())));
  const renderMaxOutputBytes = integer(env, 'RENDER_MAX_OUTPUT_BYTES', 4 * 1024 * 1024);
  if (renderMaxOutputBytes > 8 * 1024 * 1024) {
    // a batch holds up to two renders' output in the renderer's heap, and each crosses to the server whole
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
    // graphql-ws's default
    wsKeepAliveMs: integerWithin(env, 'WS_KEEP_ALIVE_MS', 12_000, 1000, 24 * 60 * 60 * 1000),
    // at least one event, or every subscription would end at its first; at most what a Repeater
    // holds before its push throws RepeaterOverflowError (live/bounded-push.ts)
    liveMaxUnreadEvents: integerWithin(env, 'LIVE_MAX_UNREAD_EVENTS', 256, 1, 1024),
    signInFailuresPerAccount: integer(env, 'SIGN_IN_FAILURES_PER_ACCOUNT', 10),
    signInFailuresPerIp: integer(env, 'SIGN_IN_FAILURES_PER_IP', 50),
    signInFailureWindowSeconds: integer(env, 'SIGN_IN_FAILURE_WINDOW_SECONDS', 15 * 60),
    apiTokenFailuresPerIpPerMinute: integer(env, 'API_TOKEN_FAILURES_PER_IP_PER_MINUTE', 30),
    signUpsPerIpPerHour: integer(env, 'SIGN_UPS_PER_IP_PER_HOUR', 20),
    documentsPerTokenPerMinute: integer(env, 'DOCUMENTS_PER_TOKEN_PER_MINUTE', 6000),
    documentsPerTokenPerSecond: integer(env, 'DOCUMENTS_PER_TOKEN_PER_SECOND', 1000),
    tokenMutationsPerAccountPerMinute: integer(env, 'TOKEN_MUTATIONS_PER_ACCOUNT_PER_MINUTE', DEFAULT_TOKEN_MUTATIONS_PER_ACCOUNT_PER_MINUTE),
    webhookMaxWaitingPerAccount: Math.max(1, integer(env, 'WEBHOOK_MAX_WAITING_PER_ACCOUNT', DEFAULT_WEBHOOK_MAX_WAITING_PER_ACCOUNT)),
    renderProcesses,
    renderConcurrencyPerAccount: Math.max(1, integer(env, 'RENDER_CONCURRENCY_PER_ACCOUNT', Math.max(1, Math.floor(renderProcesses / 2)))),
    renderQueueBytesPerAccount: integer(env, 'RENDER_QUEUE_BYTES_PER_ACCOUNT', 16 * 1024 * 1024),
    renderQueueBytesTotal: integer(env, 'RENDER_QUEUE_BYTES_TOTAL', 64 * 1024 * 1024),
    renderTimeoutMs: Math.max(1, integer(env, 'RENDER_TIMEOUT_MS', 1000)),
    renderHeapMb: Math.max(16, integer(env, 'RENDER_HEAP_MB', 128)),
    renderMaxOutputBytes,
    renderCacheMb: integer(env, 'RENDER_CACHE_MB', 32),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000),
    httpHeadersTimeoutMs: integer(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000),
    httpRequestTimeoutMs: integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000),
    httpKeepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000),
    maxConnectionsPerAddress: integer(env, 'MAX_CONNECTIONS_PER_ADDRESS', 256),
    httpWriteStallTimeoutMs: integer(env, 'HTTP_WRITE_STALL_TIMEOUT_MS', 10_000),
    httpMaxUnsentBytes: integer(env, 'HTTP_MAX_UNSENT_BYTES', 128 * 1024 * 1024),
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
    smtpUrl: smtpUrlOf(env.SMTP_URL),
    mailFrom: env.MAIL_FROM || 'Pogodoc <no-reply@pogodoc.localhost>',
    publicUrl: publicUrlOf(env.PUBLIC_URL, `http://${env.HOST || '127.0.0.1'}:${port}`),
    mailPollMs: integer(env, 'MAIL_POLL_MS', 1000),
    mailRetentionDays: Math.max(1, integer(env, 'MAIL_RETENTION_DAYS', 30)),
    production,
    requestLog: flag(env.REQUEST_LOG, true),
    requestLogFlushMs: integer(env, 'REQUEST_LOG_FLUSH_MS', 250),
    responseCacheTtlMs: integer(env, 'RESPONSE_CACHE_TTL_MS', 1000),
    responseCacheBytes: Math.max(1, integer(env, 'RESPONSE_CACHE_MB', 32)) * 1024 * 1024,
  };
}

function smtpUrlOf(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('SMTP_URL must be a URL such as smtp://user:password@smtp.example.com:587 or smtps://…');
  }
  // the URL holds a password: never repeat it in the error
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`SMTP_URL must start with smtp:// or smtps://, got ${url.protocol}//`);
  return raw;
}

/** PUBLIC_URL: the origin (and path, if any) links in messages start with; no trailing slash. */
function publicUrlOf(raw: string | undefined, fallback: string): string {
  const value = raw || fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`PUBLIC_URL must be a URL such as https://app.example.com, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`PUBLIC_URL must be http:// or https://, got "${value}"`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * ALLOWED_ORIGINS: comma-separated exact origins (`https://app.example.com`, no path, no
 * wildcard). A wildcard would hand every site the signed-in user's account, so it is refused.
 */
export function parseAllowedOrigins(raw: string | undefined): string[] {
  const origins: string[] = [];
  for (const entry of (raw ?? '').split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !entry.endsWith('/');
    if (!url || !bare || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new Error(`ALLOWED_ORIGINS takes exact origins such as https://app.example.com (no path, no wildcard), got "${entry}"`);
    }
    // the form browsers send in Origin: lower-case host, no default port
    origins.push(url.origin);
  }
  return origins;
}
