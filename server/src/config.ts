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
  /** Yoga's log level; `false` silences it. */
  logging: 'debug' | 'info' | 'warn' | 'error' | false;
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
    dashboardDir: env.DASHBOARD_DIR || path.join(PROJECT_ROOT, 'client', 'dist'),
    logging: logLevel === 'silent' ? false : (logLevel as AppConfig['logging']),
  };
}
