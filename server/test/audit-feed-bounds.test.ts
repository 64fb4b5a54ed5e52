// What one account's live audit feeds may take from the instance: a client that stops reading is
// ended with SUBSCRIBER_TOO_SLOW instead of piling events up until the pubsub's queue overflows,
// which threw an uncaught RepeaterOverflowError and ended the whole process; an account has at
// most MAX_AUDIT_FEEDS_PER_ACCOUNT feeds on an instance; and however many it has, they share one
// subscription to the account's events. In process, with the real pubsub the service uses
// without Redis.
import { describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { auditEvent, type AuditEventRecord } from '../src/domain/audit.js';
import { AuditEventFeed, MAX_AUDIT_FEEDS_PER_ACCOUNT, type AuditEventWatch } from '../src/live/audit-event-feed.js';
import { AccountChannels, type ChannelMember } from '../src/live/account-channels.js';
import { createLiveEvents } from '../src/live/events.js';

const MAX_UNREAD_EVENTS = limitsFromEnv({}).liveMaxUnreadEvents;

const session = { id: 'session-1', expiresAt: new Date(Date.now() + 3_600_000), userId: 'account-1' };
const tick = () => new Promise((resolve) => setImmediate(resolve));
const event = (accountId: string, n: number): AuditEventRecord =>
  auditEvent('TOKEN_RENAMED', { type: 'SESSION', id: session.id, clientAddress: '203.0.113.9', userAgent: null }, new Date(), { accountId, details: { n } });

/** A feed over `events`, opened as the subscription's resolver opens it. */
function feedsOver(events: ReturnType<typeof createLiveEvents>) {
  const feeds = new AuditEventFeed(events, MAX_UNREAD_EVENTS);
  return { feeds, open: (watch: AuditEventWatch) => feeds.open(watch) };
}

describe('live audit feeds', () => {
  it('end a client that stops reading with SUBSCRIBER_TOO_SLOW, and the instance carries on', async () => {
    const events = createLiveEvents();
    const { open } = feedsOver(events);
    const feed = open({ accountId: 'acct-slow', session });
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
    const other = open({ accountId: 'acct-slow', session });
    const next = other.next();
    await tick();
    events.publishAuditEvent('acct-slow', event('acct-slow', 9999));
    expect((await next).value.details).toBe('{"n":9999}');
    await other.return?.();
  });

  it(`are at most ${MAX_AUDIT_FEEDS_PER_ACCOUNT} per account on an instance; a closed one frees its place`, async () => {
    const events = createLiveEvents();
    const { feeds, open: openFeed } = feedsOver(events);
    const open = Array.from({ length: MAX_AUDIT_FEEDS_PER_ACCOUNT }, () => openFeed({ accountId: 'acct-many', session }));
    const pending = open.map((feed) => feed.next());
    await tick();
    // one subscription to the account's audit events and one to its access ends, for all of them,
    // and one to signed-out sessions, for every account's
    expect(feeds.subscriberCount('acct-many')).toBe(MAX_AUDIT_FEEDS_PER_ACCOUNT);
    expect(events.subscriptionCount()).toBe(3);
    await expect(openFeed({ accountId: 'acct-many', session }).next()).rejects.toMatchObject({ code: 'SUBSCRIPTION_LIMIT_REACHED' });
    // another account is not affected
    const elsewhere = openFeed({ accountId: 'acct-other', session });
    const elsewhereNext = elsewhere.next();
    await tick();
    events.publishAuditEvent('acct-other', event('acct-other', 1));
    expect((await elsewhereNext).value.accountId).toBe('acct-other');
    await open[0]!.return?.();
    await tick();
    const again = openFeed({ accountId: 'acct-many', session });
    const againNext = again.next();
    await tick();
    events.publishAuditEvent('acct-many', event('acct-many', 2));
    expect((await againNext).value.details).toBe('{"n":2}');
    await Promise.all([...open.slice(1), again, elsewhere].map((feed) => feed.return?.()));
    // the last subscriber of each account closed its channel
    expect(feeds.accountCount()).toBe(0);
    expect(events.subscriptionCount()).toBe(0);
    void pending;
  });
});

describe('LIVE_MAX_UNREAD_EVENTS', () => {
  it('is refused outside 1 to 1024: 0 would end every subscription at its first event, more than a Repeater holds would crash the process', () => {
    expect(() => limitsFromEnv({ LIVE_MAX_UNREAD_EVENTS: '0' })).toThrow('LIVE_MAX_UNREAD_EVENTS must be between 1 and 1024, got 0');
    expect(() => limitsFromEnv({ LIVE_MAX_UNREAD_EVENTS: '2000' })).toThrow('LIVE_MAX_UNREAD_EVENTS must be between 1 and 1024, got 2000');
    expect(limitsFromEnv({ LIVE_MAX_UNREAD_EVENTS: '1024' }).liveMaxUnreadEvents).toBe(1024);
  });
});

describe("an account's channel whose feed rule throws", () => {
  it("ends that account's subscriptions with the error instead of leaving an unhandled rejection, and closes its subscriptions", async () => {
    const events = createLiveEvents();
    const failures: unknown[] = [];
    const channels = new AccountChannels<AuditEventRecord, ChannelMember>(events, {
      subscribe: (accountId) => events.subscribeAuditEvents(accountId),
      onEvent: () => {
        throw new Error('a rule that breaks');
      },
      newState: () => undefined,
      endsWithPlan: false,
    });
    const members = [0, 1].map(() => {
      const member: ChannelMember = { session: undefined, fail: (error) => (failures.push(error), membership.leave()) };
      const membership = channels.join('acct-broken', member);
      return member;
    });
    await tick();
    events.publishAuditEvent('acct-broken', event('acct-broken', 1));
    await expect.poll(() => failures.length).toBe(members.length);
    expect(failures.map((error) => (error as Error).message)).toEqual(['a rule that breaks', 'a rule that breaks']);
    expect(channels.accountCount()).toBe(0);
    await expect.poll(() => events.subscriptionCount()).toBe(0);
    await events.close();
  });
});
