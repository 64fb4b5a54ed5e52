// Every environment variable the server reads, with its default. The README's table mirrors this.
import path from 'node:path';
import { DEFAULT_DATABASE_URL } from './persistence/database.js';
import { PROJECT_ROOT } from './paths.js';


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
  /** Serve GET /metrics (event-loop delay, memory, CPU) for operators and the benchmarks. */
  metrics: boolean;
  /** Use X-Forwarded-For for the client address (rate limits): set it behind a proxy you trust. */
  trustProxy: boolean;
  limits: Limits;
  /** Yoga's log level; `false` silences it. */
  logging: 'debug' | 'info' | 'warn' | 'error' | false;
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
  documentsPerTokenPerMinute: number;
  /** How long a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
}

export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
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
    documentsPerTokenPerMinute: integer(env, 'DOCUMENTS_PER_TOKEN_PER_MINUTE', 6000),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000),
  };
}

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be debug, info, warn, error or silent, got "${logLevel}"`);
  }
  return {
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    redisUrl: env.REDIS_URL || undefined,
    host: env.HOST || '127.0.0.1',
    port,
    graphiql: flag(env.GRAPHIQL, !production),
    secureCookies: flag(env.COOKIE_SECURE, production),
    introspection: flag(env.INTROSPECTION, !production),
    trustProxy: flag(env.TRUST_PROXY, false),
    metrics: flag(env.METRICS, false),
    limits: limitsFromEnv(env),
    dashboardDir: env.DASHBOARD_DIR || path.join(PROJECT_ROOT, 'client', 'dist'),
    logging: logLevel === 'silent' ? false : (logLevel as AppConfig['logging']),
  };
}
