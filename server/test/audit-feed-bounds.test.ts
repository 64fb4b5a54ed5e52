// What one account's live audit feeds may take from the instance: a client that stops reading
// (an SSE stream nobody drains) is ended with SUBSCRIBER_TOO_SLOW instead of piling events up
// until the pubsub's queue overflows, which threw an uncaught RepeaterOverflowError and ended the
// whole process; and an account has at most MAX_AUDIT_FEEDS_PER_ACCOUNT feeds on an instance.
// In process, with the real pubsub the service uses without Redis.
import { describe, expect, it } from 'vitest';
import { auditEvent, type AuditEventRecord } from '../src/domain/audit.js';
import { MAX_AUDIT_FEEDS_PER_ACCOUNT, openAuditEventFeed } from '../src/live/audit-event-feed.js';
import { MAX_UNREAD_EVENTS } from '../src/live/bounded-push.js';
import { createLiveEvents } from '../src/live/events.js';

const session = { id: 'session-1', expiresAt: new Date(Date.now() + 3_600_000) };
const tick = () => new Promise((resolve) => setImmediate(resolve));
const event = (accountId: string, n: number): AuditEventRecord =>
  auditEvent('TOKEN_RENAMED', { type: 'SESSION', id: session.id, clientAddress: '203.0.113.9', userAgent: null }, new Date(), { accountId, details: { n } });

describe('live audit feeds', () => {
  it('end a client that stops reading with SUBSCRIBER_TOO_SLOW, and the instance carries on', async () => {
    const events = createLiveEvents();
    const feed = openAuditEventFeed(events, { accountId: 'acct-slow', session });
    const first = feed.next();
    await tick();
    // four times what the pubsub's own queue holds, arriving over time (as requests commit)
    // while nobody reads
    for (let n = 0; n < 4096; n++) {
      events.publishAuditEvent('acct-slow', event('acct-slow', n));
      if (n % 64 === 63) await tick();
    }
    await tick();
    expect((await first).value.details).toBe('{"n":0}');
    const read: AuditEventRecord[] = [];
    const ending = await (async () => {
      try {
        for (;;) {
          const next = await feed.next();
          if (next.done) return 'done';
          read.push(next.value);
        }
      } catch (error) {
        return error as { code?: string };
      }
    })();
    expect(ending).toMatchObject({ code: 'SUBSCRIBER_TOO_SLOW' });
    expect(read.length).toBeLessThanOrEqual(MAX_UNREAD_EVENTS);
    // another subscriber of the same account is untouched and gets what comes next
    const other = openAuditEventFeed(events, { accountId: 'acct-slow', session });
    const next = other.next();
    await tick();
    events.publishAuditEvent('acct-slow', event('acct-slow', 9999));
    expect((await next).value.details).toBe('{"n":9999}');
    await other.return?.();
  });

  it(`are at most ${MAX_AUDIT_FEEDS_PER_ACCOUNT} per account on an instance; a closed one frees its place`, async () => {
    const events = createLiveEvents();
    const open = Array.from({ length: MAX_AUDIT_FEEDS_PER_ACCOUNT }, () => openAuditEventFeed(events, { accountId: 'acct-many', session }));
    const pending = open.map((feed) => feed.next());
    await tick();
    await expect(openAuditEventFeed(events, { accountId: 'acct-many', session }).next()).rejects.toMatchObject({ code: 'SUBSCRIPTION_LIMIT_REACHED' });
    // another account is not affected
    const elsewhere = openAuditEventFeed(events, { accountId: 'acct-other', session });
    const elsewhereNext = elsewhere.next();
    await tick();
    events.publishAuditEvent('acct-other', event('acct-other', 1));
    expect((await elsewhereNext).value.accountId).toBe('acct-other');
    await open[0]!.return?.();
    await tick();
    const again = openAuditEventFeed(events, { accountId: 'acct-many', session });
    const againNext = again.next();
    await tick();
    events.publishAuditEvent('acct-many', event('acct-many', 2));
    expect((await againNext).value.details).toBe('{"n":2}');
    await Promise.all([...open.slice(1), again, elsewhere].map((feed) => feed.return?.()));
    void pending;
  });
});
