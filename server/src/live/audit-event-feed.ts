// The live audit trail (the auditEvents subscription): the account's events as their transactions
// commit, on every instance. Each committed audit row is reported by the driver that wrote it
// (persistence/sql-driver.ts, onAuditCommitted), announced through the domain's port and carried
// on the account's own topic (events.ts: in process, or Redis across instances), as the counts are.
//
// Unlike the counts there is no "current first": the Activity view reads its first page with the
// auditEvents query and appends what arrives here; an event is a fact, not a state to catch up on.
// Like the counts, the subscription ends with the session that opened it (sign-out, expiry).
import { Repeater } from 'graphql-yoga';
import type { AuditEventRecord, AuditEventType } from '../domain/audit.js';
import { SessionExpiredError } from '../domain/errors.js';
import type { LiveEvents } from './events.js';

export interface AuditEventWatch {
  accountId: string;
  /** Only these types; undefined or empty: every type. */
  types?: readonly AuditEventType[];
  session: { id: string; expiresAt: Date };
}

// setTimeout takes at most 2^31-1 ms; a longer session is re-armed when that fires
const MAX_TIMER_MS = 2 ** 31 - 1;

export function openAuditEventFeed(events: LiveEvents, watch: AuditEventWatch, now: () => Date = () => new Date()): AsyncIterableIterator<AuditEventRecord> {
  const wanted = watch.types?.length ? new Set<string>(watch.types) : null;
  return new Repeater<AuditEventRecord>(async (push, stop) => {
    const recorded = events.subscribeAuditEvents(watch.accountId);
    const ended = events.subscribeAccessEnded(watch.accountId);
    let timer: NodeJS.Timeout | undefined;
    const armExpiry = () => {
      const left = watch.session.expiresAt.getTime() - now().getTime();
      if (left <= 0) return stop(new SessionExpiredError());
      timer = setTimeout(armExpiry, Math.min(left, MAX_TIMER_MS));
      timer.unref();
    };
    armExpiry();
    void (async () => {
      for await (const event of recorded) if (!wanted || wanted.has(event.type)) await push(event);
    })().catch(stop);
    void (async () => {
      for await (const access of ended) {
        if (access.reason === 'session-ended' && access.sessionId === watch.session.id) stop(new SessionExpiredError());
      }
    })().catch(stop);
    await stop;
    clearTimeout(timer);
    await Promise.all([recorded.return?.(), ended.return?.()]);
  });
}
