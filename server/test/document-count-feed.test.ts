// The live-count feed's delivery rules, on the real in-process event channel with an injected
// clock: every count below the rate the instance can write out, and past it (the oldest waiting
// change over 100 ms old) a skip to the latest count, never past it and never backwards.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionExpiredError } from '../src/domain/errors.js';
import { DocumentCountFeed, type CurrentCounts, type FeedTiming } from '../src/live/document-count-feed.js';
import { createLiveEvents, type DocumentCountChange } from '../src/live/events.js';
import type { ApiTokenRecord } from '../src/domain/ports.js';

const ACCOUNT = 'account-under-test';
const token: ApiTokenRecord = {
  id: 'token-under-test',
  accountId: ACCOUNT,
  name: 'feed',
  preview: 'pgd_feed…test',
  documentCount: 0,
  lastUsedAt: null,
  lastUsedAddress: null,
  lastUsedUserAgent: null,
  createdAt: new Date(),
  deletedAt: null,
  disabledAt: null,
  previousSecretUseCount: 0,
  previousSecretLastUsedAt: null,
  previousSecretLastUsedAddress: null,
  previousSecretLastUsedUserAgent: null,
  expiresAt: null,
  previousSecretValidUntil: null,
  allowedIps: null,
  monthlyDocumentLimit: null,
  rateLimitPerSecond: null,
  rateLimitPerMinute: null,
  mode: 'LIVE',
  monthlyDocumentCount: 0,
  monthlyCountMonth: null,
  scopes: 'DOCUMENTS_RENDER',
};
const change = (documentCount: number): DocumentCountChange => ({ tokenId: token.id, documentCount, lastUsedAt: new Date() });

/** Lets the event channel hand over what was published, without a turn of the event loop. */
async function microtasks() {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/** The counts as storage has them: the one token under test. */
const counts: CurrentCounts = { activeTokens: async () => [token], ownedToken: async () => token };

/** A clock the test moves by hand, as a busy event loop would. */
function manualClock(): FeedTiming & { advance(ms: number): void } {
  let now = 0;
  return { now: () => now, behindAfterMs: 100, advance: (ms) => (now += ms) };
}

function subscribe(feed: DocumentCountFeed) {
  const received: number[] = [];
  const subscription = feed.join({ accountId: ACCOUNT, tokenId: token.id, knownToken: token }, {
    deliver: (delivered) => received.push(delivered.documentCount),
    fail: (error) => {
      throw error;
    },
  });
  return { received, subscription };
}

describe('the live-count feed', () => {
  it('delivers every count, in order, while it keeps up', async () => {
    const events = createLiveEvents();
    const feed = new DocumentCountFeed(events, counts, manualClock());
    const { received, subscription } = subscribe(feed);
    await expect.poll(() => received).toEqual([0]);
    for (let count = 1; count <= 5; count++) events.publishDocumentCount(ACCOUNT, change(count));
    await expect.poll(() => received).toEqual([0, 1, 2, 3, 4, 5]);
    subscription.leave();
    expect(feed.accountCount()).toBe(0);
  });

  it('once behind, merges waiting counts into the latest: skips, but never past the last one', async () => {
    const events = createLiveEvents();
    const clock = manualClock();
    const feed = new DocumentCountFeed(events, counts, clock);
    const { received, subscription } = subscribe(feed);
    await expect.poll(() => received).toEqual([0]);

    events.publishDocumentCount(ACCOUNT, change(1));
    await microtasks(); // 1 is queued; its delivery waits for the next turn of the event loop
    clock.advance(150); // the turn comes late: the channel is behind
    for (let count = 2; count <= 6; count++) {
      events.publishDocumentCount(ACCOUNT, change(count));
      await microtasks();
    }
    // 1 was offered to no one yet: 2..6 merge into it, and the subscriber skips to 6
    await expect.poll(() => received).toEqual([0, 6]);

    // caught up again: every count
    events.publishDocumentCount(ACCOUNT, change(7));
    events.publishDocumentCount(ACCOUNT, change(8));
    await expect.poll(() => received).toEqual([0, 6, 7, 8]);

    // a count below one already sent (events that committed out of order) is dropped
    events.publishDocumentCount(ACCOUNT, change(5));
    events.publishDocumentCount(ACCOUNT, change(9));
    await expect.poll(() => received).toEqual([0, 6, 7, 8, 9]);
    subscription.leave();
  });

  it('once behind, a round under way goes on with the latest count: the members it has not reached skip to it, those it passed get it next', async () => {
    const events = createLiveEvents();
    const clock = manualClock();
    const feed = new DocumentCountFeed(events, counts, clock);
    // more members than one slice of a round (500), so that a round spans turns of the event loop
    const members = Array.from({ length: 600 }, () => subscribe(feed));
    await expect.poll(() => members.every(({ received }) => received.length === 1)).toBe(true);

    events.publishDocumentCount(ACCOUNT, change(1));
    await microtasks();
    await new Promise((resolve) => setImmediate(resolve)); // the round's first slice: 500 members get 1
    expect(members.filter(({ received }) => received.at(-1) === 1)).toHaveLength(500);
    clock.advance(150); // behind
    events.publishDocumentCount(ACCOUNT, change(2));
    await microtasks();

    await expect.poll(() => members.every(({ received }) => received.at(-1) === 2)).toBe(true);
    expect(members.slice(0, 500).every(({ received }) => received.join() === '0,1,2')).toBe(true);
    expect(members.slice(500).every(({ received }) => received.join() === '0,2')).toBe(true);
    members.forEach(({ subscription }) => subscription.leave());
  });

  describe('ends subscriptions with their session', () => {
    afterEach(() => vi.useRealTimers());

    /** A subscription opened by `sessionId`; records how it ended. */
    function subscribeAs(feed: DocumentCountFeed, sessionId: string, expiresAt: Date) {
      const ended: unknown[] = [];
      let subscription: { leave(): void } | undefined;
      subscription = feed.join({ accountId: ACCOUNT, tokenId: token.id, knownToken: token, session: { id: sessionId, expiresAt, userId: ACCOUNT } }, {
        deliver: () => {},
        // as the transports do: a failed subscription leaves the feed
        fail: (error) => {
          ended.push(error);
          subscription?.leave();
        },
      });
      return { ended, leave: () => subscription!.leave() };
    }

    it('at its expiry, every subscription of that session and none of another, however many it opened', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const feed = new DocumentCountFeed(createLiveEvents(), counts, manualClock());
      const start = Date.now();
      const first = subscribeAs(feed, 'session-a', new Date(start + 1_000));
      const second = subscribeAs(feed, 'session-a', new Date(start + 1_000));
      const left = subscribeAs(feed, 'session-a', new Date(start + 1_000));
      const other = subscribeAs(feed, 'session-b', new Date(start + 5_000));
      left.leave(); // leaving takes one subscription out, not the session's timer

      vi.advanceTimersByTime(999);
      expect([first.ended, second.ended, other.ended]).toEqual([[], [], []]);
      vi.advanceTimersByTime(1);
      expect(first.ended).toEqual([expect.any(SessionExpiredError)]);
      expect(second.ended).toEqual([expect.any(SessionExpiredError)]);
      expect(left.ended).toEqual([]);
      expect(other.ended).toEqual([]);

      vi.advanceTimersByTime(4_000);
      expect(other.ended).toEqual([expect.any(SessionExpiredError)]);
      expect(feed.accountCount()).toBe(0); // every subscription left: the account's channel closed
    });

    it('when the last subscription of a session leaves, a later one of that session gets a timer of its own', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const feed = new DocumentCountFeed(createLiveEvents(), counts, manualClock());
      const start = Date.now();
      subscribeAs(feed, 'session-a', new Date(start + 1_000)).leave();
      const later = subscribeAs(feed, 'session-a', new Date(start + 3_000)); // the session was extended
      vi.advanceTimersByTime(1_000);
      expect(later.ended).toEqual([]);
      vi.advanceTimersByTime(2_000);
      expect(later.ended).toEqual([expect.any(SessionExpiredError)]);
    });
  });
});
