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

/** True when a query failed because the database could not serve it, not because of the query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; kind?: unknown; cause?: unknown; message?: unknown };
    if (typeof candidate.code === 'string' && (UNAVAILABLE_CODES.has(candidate.code) || UNAVAILABLE_NODE_CODES.has(candidate.code))) return true;
    if (typeof candidate.kind === 'string' && UNAVAILABLE_KINDS.has(candidate.kind)) return true;
    if (typeof candidate.message === 'string' && /Connection terminated|connect ECONNREFUSED|database is locked|Can't reach database server/i.test(candidate.message)) return true;
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
