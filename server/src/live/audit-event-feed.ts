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
import { SessionExpiredError, SubscriptionLimitReachedError } from '../domain/errors.js';
import { boundedPush } from './bounded-push.js';
import { callAt } from './call-at.js';
import type { LiveEvents } from './events.js';

export interface AuditEventWatch {
  accountId: string;
  /** Only these types; undefined or empty: every type. */
  types?: readonly AuditEventType[];
  session: { id: string; expiresAt: Date };
}

/**
 * Live audit feeds per account on one instance. Each feed resolves its event's fields on its own
 * (AuditEvent.token reads the database), so every feed multiplies the work of every event: the
 * dashboard opens two per tab (the Activity view and the leak banner).
 */
export const MAX_AUDIT_FEEDS_PER_ACCOUNT = 10;
const openFeeds = new WeakMap<LiveEvents, Map<string, number>>();

export function openAuditEventFeed(events: LiveEvents, watch: AuditEventWatch, now: () => Date = () => new Date()): AsyncIterableIterator<AuditEventRecord> {
  const wanted = watch.types?.length ? new Set<string>(watch.types) : null;
  return new Repeater<AuditEventRecord>(async (push, stop) => {
    let feeds = openFeeds.get(events);
    if (!feeds) openFeeds.set(events, (feeds = new Map()));
    const open = feeds.get(watch.accountId) ?? 0;
    if (open >= MAX_AUDIT_FEEDS_PER_ACCOUNT) {
      stop(SubscriptionLimitReachedError.activityFeedsPerAccount(MAX_AUDIT_FEEDS_PER_ACCOUNT));
      return;
    }
    feeds.set(watch.accountId, open + 1);
    const recorded = events.subscribeAuditEvents(watch.accountId);
    const ended = events.subscribeAccessEnded(watch.accountId);
    const cancelExpiry = callAt(watch.session.expiresAt, () => stop(new SessionExpiredError()), () => now().getTime());
    // read as they come, never waiting for the client: a client that stops reading is ended
    // (bounded-push.ts), not left to pile events up in the pubsub's own queue
    const deliver = boundedPush(push, stop);
    void (async () => {
      for await (const event of recorded) if (!wanted || wanted.has(event.type)) deliver(event);
    })().catch(stop);
    void (async () => {
      for await (const access of ended) {
        if (access.reason === 'session-ended' && access.sessionId === watch.session.id) stop(new SessionExpiredError());
      }
    })().catch(stop);
    await stop;
    cancelExpiry();
    const left = (feeds.get(watch.accountId) ?? 1) - 1;
    if (left > 0) feeds.set(watch.accountId, left);
    else feeds.delete(watch.accountId);
    await Promise.all([recorded.return?.(), ended.return?.()]);
  });
}
