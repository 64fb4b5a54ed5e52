// The request log: every HTTP request that presented an API token this service knows (active,
// expired, rolled, disabled or deleted), with its outcome: OK, or the code it was refused with.
// It answers the integrator's "why did my job fail at 3 a.m.?", which the usage charts (successful
// documents only) cannot. Like Stripe's request logs and Unkey's verifications.
//
// A request's token is learnt where it is looked up (ApiTokenService.authenticate reports each
// presentation), its outcome where the request ends; the entry is written later, in a batch, by
// persistence/request-log-writer.ts, so that no request waits for its own log line. A request with
// no token, or one this service does not know, belongs to nobody's log.
import { cursorInstant } from './cursors.js';
import { newId } from './ids.js';
import { alignUsageRange, bucketOf, type UsageGranularity } from './metering.js';
import { requestLogRetentionDaysOf } from './plans.js';
import { TokenNotFoundError } from './errors.js';

/** A request that presented a known token, as its lookup saw it. */
export interface TokenPresentation {
  tokenId: string;
  accountId: string;
  /** The account's plan: it decides how long the request is kept. */
  planId: string | null;
  clientAddress: string;
  userAgent: string | null;
}

/** How a request ended, as the HTTP edge saw it. */
export interface RequestEnding {
  requestId: string;
  operation: string;
  /** OK, or the extensions.code of the first error. */
  outcome: string;
  httpStatus: number;
  durationMs: number;
}

export interface RequestLogEntry extends Omit<TokenPresentation, 'planId'>, RequestEnding {
  id: string;
  /** When the request ended. */
  at: Date;
  /** When the retention prune removes it: `at` plus the plan's days, fixed when it was written. */
  expiresAt: Date;
}

export const OK_OUTCOME = 'OK';

const DAY_MS = 86_400_000;

/** The entry of a request that presented a known token, ended at `at`. */
export function requestLogEntryOf(id: string, presentation: TokenPresentation, ending: RequestEnding, at: Date): RequestLogEntry {
  const { planId, ...who } = presentation;
  return { id, ...who, ...ending, at, expiresAt: new Date(at.getTime() + requestLogRetentionDaysOf(planId) * DAY_MS) };
}

/** Requests of one token in one hour with one outcome: what the refusal summary adds up. */
export interface RequestOutcomeCount {
  tokenId: string;
  accountId: string;
  hour: Date;
  outcome: string;
  count: number;
  expiresAt: Date;
}

/** The count an entry adds to (its token, hour and outcome). */
export function outcomeCountOf(entry: RequestLogEntry): RequestOutcomeCount {
  return { tokenId: entry.tokenId, accountId: entry.accountId, hour: bucketOf(entry.at, 'HOUR'), outcome: entry.outcome, count: 1, expiresAt: entry.expiresAt };
}

export interface RequestLogFilter {
  tokenId?: string;
  /** Only these outcomes (OK or codes); undefined or empty: every outcome. */
  outcomes?: readonly string[];
  /** Only refused requests: every outcome but OK. */
  refusedOnly?: boolean;
  from?: Date;
  to?: Date;
}

/** Where a page starts: after the entry with this time and id (newest first). */
export interface RequestLogCursor {
  at: Date;
  id: string;
}

export interface RequestLogStore {
  /** Inserts the entries and adds the counts, in one transaction. */
  write(entries: readonly RequestLogEntry[], counts: readonly RequestOutcomeCount[]): Promise<void>;
  /** Newest first, at most `limit`. */
  list(accountId: string, filter: RequestLogFilter, after: RequestLogCursor | null, limit: number): Promise<RequestLogEntry[]>;
  /** The counts of the account's (or one token's) hours in [from, to). */
  outcomeCounts(accountId: string, query: { tokenId?: string; from: Date; to: Date }): Promise<Array<{ hour: Date; outcome: string; count: number }>>;
  /** Deletes at most `limit` entries, and the counts, whose expiresAt has passed; returns the entries deleted. */
  pruneExpired(now: Date, limit: number): Promise<number>;
}

const CURSOR_PREFIX = 'request:';

export function encodeRequestLogCursor(cursor: RequestLogCursor): string {
  return Buffer.from(`${CURSOR_PREFIX}${cursor.at.toISOString()}|${cursor.id}`).toString('base64url');
}

/** null for anything that is not a cursor this service made. */
export function decodeRequestLogCursor(text: string): RequestLogCursor | null {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  if (!decoded.startsWith(CURSOR_PREFIX)) return null;
  const [time, id] = decoded.slice(CURSOR_PREFIX.length).split('|');
  const at = cursorInstant(time);
  return id && at ? { at, id } : null;
}

export const MAX_REQUEST_LOG_PAGE_SIZE = 100;
/** Entries one prune statement deletes: one short transaction each, not one long lock. */
export const REQUEST_LOG_PRUNE_BATCH = 10_000;
/** Statements one prune run may take (it runs every minute): up to 60 million rows an hour an instance. */
export const REQUEST_LOG_PRUNE_MAX_BATCHES = 100;

export interface OutcomeCount {
  outcome: string;
  count: number;
}

/** One bucket of the refusal summary. */
export interface RequestSummaryBucket {
  at: Date;
  okCount: number;
  /** Refused requests by reason, most first. */
  refusals: OutcomeCount[];
}

export interface RequestSummary {
  okCount: number;
  refusedCount: number;
  /** Refused requests of the whole range by reason, most first. */
  refusals: OutcomeCount[];
  /** Every bucket of the range, empty ones included. */
  buckets: RequestSummaryBucket[];
}

function byCountDescending(counts: Map<string, number>): OutcomeCount[] {
  return [...counts].map(([outcome, count]) => ({ outcome, count })).sort((a, b) => b.count - a.count || a.outcome.localeCompare(b.outcome));
}

/** Where ended requests' entries go to be written later (persistence/request-log-writer.ts). */
export interface RequestLogSink {
  /** Takes the entry at once; never waits and never throws. */
  append(entry: RequestLogEntry): void;
  /** Resolves once everything appended so far is written (or dropped). */
  flush(): Promise<void>;
  /** Writes what is left and stops. */
  close(): Promise<void>;
}

/** The request log: its entries as requests end, and the account's view of them. */
export class RequestLogService {
  constructor(
    private readonly store: RequestLogStore,
    private readonly sink: RequestLogSink,
    /** The account's token by id, or null (TokenStore.findOwned; named here, since ports.ts imports this module). */
    private readonly tokens: { findOwned(accountId: string, tokenId: string): Promise<object | null> },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A request that presented a known token has ended: its entry is written with the next batch. */
  record(presentation: TokenPresentation, ending: RequestEnding): void {
    const at = this.now();
    this.sink.append(requestLogEntryOf(newId(at), presentation, ending, at));
  }

  /** Resolves once every entry recorded so far is written (tests; shutdown). */
  flush(): Promise<void> {
    return this.sink.flush();
  }

  /** Newest first, `first` at a time (at most MAX_REQUEST_LOG_PAGE_SIZE). TOKEN_NOT_FOUND for another account's token. */
  async page(accountId: string, filter: RequestLogFilter, first: number, after: RequestLogCursor | null): Promise<{ entries: RequestLogEntry[]; hasNextPage: boolean }> {
    await this.requireOwnToken(accountId, filter.tokenId);
    const size = Math.min(Math.max(1, first), MAX_REQUEST_LOG_PAGE_SIZE);
    const rows = await this.store.list(accountId, filter, after, size + 1);
    return { entries: rows.slice(0, size), hasNextPage: rows.length > size };
  }

  /**
   * Requests in [from, to) per hour or day, OK and refused by reason, every bucket present: the
   * refusal chart. The same range rules as usage (USAGE_RANGE_INVALID).
   */
  async summary(accountId: string, query: { tokenId?: string; from: Date; to: Date; granularity: UsageGranularity }): Promise<RequestSummary> {
    const range = alignUsageRange(query.from, query.to, query.granularity);
    await this.requireOwnToken(accountId, query.tokenId);
    const counts = await this.store.outcomeCounts(accountId, { tokenId: query.tokenId, ...range });
    const step = query.granularity === 'HOUR' ? 3_600_000 : DAY_MS;
    const slots = Array.from({ length: Math.ceil((range.to.getTime() - range.from.getTime()) / step) }, () => ({ ok: 0, refused: new Map<string, number>() }));
    const refusedInRange = new Map<string, number>();
    let okCount = 0;
    for (const { hour, outcome, count } of counts) {
      const slot = slots[Math.floor((hour.getTime() - range.from.getTime()) / step)];
      if (!slot) continue;
      if (outcome === OK_OUTCOME) {
        slot.ok += count;
        okCount += count;
      } else {
        slot.refused.set(outcome, (slot.refused.get(outcome) ?? 0) + count);
        refusedInRange.set(outcome, (refusedInRange.get(outcome) ?? 0) + count);
      }
    }
    const refusals = byCountDescending(refusedInRange);
    return {
      okCount,
      refusedCount: refusals.reduce((sum, { count }) => sum + count, 0),
      refusals,
      buckets: slots.map((slot, index) => ({ at: new Date(range.from.getTime() + index * step), okCount: slot.ok, refusals: byCountDescending(slot.refused) })),
    };
  }

  /** Removes what is past its retention, a batch at a time until none is left (or the run's cap); returns the entries removed. */
  async prune(): Promise<number> {
    const now = this.now();
    let removed = 0;
    for (let batch = 0; batch < REQUEST_LOG_PRUNE_MAX_BATCHES; batch++) {
      const chunk = await this.store.pruneExpired(now, REQUEST_LOG_PRUNE_BATCH);
      removed += chunk;
      if (chunk < REQUEST_LOG_PRUNE_BATCH) break;
    }
    return removed;
  }

  private async requireOwnToken(accountId: string, tokenId: string | undefined): Promise<void> {
    if (tokenId !== undefined && !(await this.tokens.findOwned(accountId, tokenId))) throw new TokenNotFoundError();
  }
}
