import { Prisma } from '../../generated/prisma/client.js';
import { DatabaseUnavailableError } from '../domain/errors.js';

/** True for a unique-constraint violation (Prisma's P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/** True when an update or delete found no row to change (Prisma's P2025). */
export function isRecordNotFound(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025';
}

// Prisma's codes for "could not talk to the database" (P1xxx), a pool timeout (P2024) and a
// write conflict (P2034), and the driver adapters' kinds for the same (a SQLite lock surfaces
// as SocketTimeout once the busy timeout has passed).
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1011', 'P1017', 'P2024', 'P2034']);
const UNAVAILABLE_KINDS = new Set(['SocketTimeout', 'DatabaseNotReachable', 'ConnectionClosed', 'TooManyConnections', 'TransactionWriteConflict']);
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'SQLITE_BUSY', 'SQLITE_LOCKED']);
// PostgreSQL's SQLSTATEs for a server that is going away or not there yet: admin_shutdown (a fast or
// smart stop), crash_shutdown, cannot_connect_now (starting up, shutting down), and class 08.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '08007']);

/** True when a query failed because the database could not serve it, not because of the query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; kind?: unknown; cause?: unknown; message?: unknown };
    if (typeof candidate.code === 'string' && (UNAVAILABLE_CODES.has(candidate.code) || UNAVAILABLE_NODE_CODES.has(candidate.code) || UNAVAILABLE_SQLSTATES.has(candidate.code))) return true;
    if (typeof candidate.kind === 'string' && UNAVAILABLE_KINDS.has(candidate.kind)) return true;
    if (typeof candidate.message === 'string' && /Connection terminated|connect ECONNREFUSED|database is locked|Can't reach database server|not queryable/i.test(candidate.message)) return true;
    current = candidate.cause;
  }
  return false;
}

/**
 * Every query's failure, in one place: a database that cannot serve becomes the domain's
 * retryable DatabaseUnavailableError; anything else stays unexpected (and is masked).
 */
export function rethrowAsDomainError(error: unknown): never {
  if (isDatabaseUnavailable(error)) throw new DatabaseUnavailableError();
  throw error;
}
