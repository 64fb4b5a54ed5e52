// PostgreSQL, for more than one server instance: one pool shared by Prisma and the hot path.
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg, { type PoolConfig } from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { PrismaClient as PostgresPrismaClient } from '../../generated/prisma-postgresql/client.js';
import { postgresDriver, type SqlDriver } from './sql-driver.js';

export function postgresPoolConfig(databaseUrl: string): PoolConfig {
  const { database, host, port, user, password, ssl, application_name } = parseConnectionString(databaseUrl);
  return {
    database: database ?? undefined,
    host: host ?? undefined,
    port: port ? Number(port) : undefined,
    user,
    password,
    ssl: (ssl ?? undefined) as PoolConfig['ssl'],
    application_name: application_name ?? 'pogodoc-api-tokens',
    max: 10,
    // a transaction's statements go out together (sql-driver.ts, runStepsPipelined); a connection
    // used one query at a time, as Prisma's adapter uses it, works as without
    pipeline: true,
  };
}

export function openPostgres(
  databaseUrl: string,
  wrapAdapter: (factory: SqlDriverAdapterFactory) => SqlDriverAdapterFactory,
): { prisma: PrismaClient; sql: SqlDriver } {
  // One pool for both: Prisma's adapter and the hot path's prepared statements.
  const pool = new pg.Pool(postgresPoolConfig(databaseUrl));
  // An idle connection that PostgreSQL drops (a restart, a proxy) must not crash the process;
  // the next query reconnects, and one that fails is DATABASE_UNAVAILABLE.
  pool.on('error', () => {});
  // The PostgreSQL client is generated from the same models (prisma/postgresql/schema.prisma),
  // so its API is the SQLite client's; only the SQL it compiles to differs.
  const prisma = new PostgresPrismaClient({
    adapter: wrapAdapter(new PrismaPg(pool, { disposeExternalPool: true })),
  }) as unknown as PrismaClient;
  return { prisma, sql: postgresDriver(pool) };
}
