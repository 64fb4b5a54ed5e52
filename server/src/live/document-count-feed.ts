// (Over 200 lines on purpose: the subscription's rules below act on one account channel's state,
// its members, waiting changes and delivery round, and are easiest to check side by side.)
//
// The live document counts of each account, shared by all of its subscribers in this process.
//
// An account's subscribers share its channel (account-channels.ts: one event subscription per
// account, not per subscriber). The rules of the documentCount subscription live here, in one
// place, for every transport:
// - a subscriber first gets the current count of each token it watches, then every change;
// - counts only grow, so a count not above the last one sent to that subscriber is stale or a
//   duplicate, and is not sent (events that commit concurrently can arrive out of order);
// - after an event-channel outage (Redis reconnect) the current counts are read again, once per
//   account, because events published during the outage are gone and the database is not;
// - when events of a token come faster than they can be written to every subscriber, the ones
//   still waiting are merged into the latest (see offerToAll, and waiting-counts.ts for the rule):
//   the last count is never skipped. Below that rate every count reaches every subscriber.
// - a subscription ends with its session, and with the account's plan (account-channels.ts);
// - the account's period usage rides on the same events and follows the same rules: the current
//   usage comes with the current counts, and it never goes backwards within a period (a late event
//   carries the last usage sent instead of its own, older one).
import type { ApiTokenRecord } from '../domain/ports.js';
import { AccountChannels, type AccountChannel, type ChannelMember, type WatchingSession } from './account-channels.js';
import type { DocumentCountChange, LiveEvents } from './events.js';
import { WaitingCounts } from './waiting-counts.js';

export interface CountSubscriber {
  /** Called only with counts above the last one this subscriber was given for the token. */
  deliver(change: DocumentCountChange): void;
  /** The current counts could not be read; the subscription should end with this error. */
  fail(error: unknown): void;
}

/** What one subscription watches: every token of the account, or one token. */
export interface DocumentCountWatch {
  accountId: string;
  tokenId?: string;
  /** The watched token as already read (its ownership check), so it need not be read again. */
  knownToken?: ApiTokenRecord;
  /** The dashboard session that opened the subscription: the subscription ends with it. */
  session?: WatchingSession;
}

export interface CountSubscription {
  leave(): void;
}

/** One subscription in its account's channel; a class, so that thousands share one fail(). */
class Member implements ChannelMember {
  /** The last count delivered: one number when watching one token, else per token. */
  lastSent: number | Map<string, number>;
  /** The last period usage delivered. */
  lastPeriod?: { period: string; used: number };

  constructor(
    readonly subscriber: CountSubscriber,
    /** Watch one token, or (undefined) every token of the account. */
    readonly tokenId: string | undefined,
    readonly session: WatchingSession | undefined,
  ) {
    this.lastSent = tokenId ? -1 : new Map();
  }

  fail(error: unknown): void {
    this.subscriber.fail(error);
  }
}

/** What an account's channel holds for the counts. */
interface CountState {
  /** Changes not yet offered to every member, oldest first; the first is being offered (round). */
  waiting: WaitingCounts;
  /** The members the first waiting change is being offered to, and how far along that is. */
  round?: { members: Member[]; next: number };
}

type CountChannel = AccountChannel<Member, CountState>;

/**
 * Members offered one change per turn of the event loop. At thousands of subscribers an event
 * takes tens of milliseconds to write out; in slices, document requests (including the one that
 * made the event, which is answered first) and other accounts' events are served in between.
 */
const MEMBERS_PER_SLICE = 500;

/** What the feed reads from storage: the counts as they are now. */
export interface CurrentCounts {
  /** Every active token of the account. */
  activeTokens(accountId: string): Promise<ApiTokenRecord[]>;
  /** One token of the account; rejects (TOKEN_NOT_FOUND) when it is not the account's. */
  ownedToken(accountId: string, tokenId: string): Promise<ApiTokenRecord>;
  /** The account's current billing period and its documents in it. */
  currentPeriod?(accountId: string): Promise<{ period: string; used: number }>;
}

export interface FeedTiming {
  /** A monotonic clock in milliseconds. */
  now(): number;
  /** The oldest queued change has waited this long: the channel is behind, and merges (offerToAll). */
  behindAfterMs: number;
}

const DEFAULT_TIMING: FeedTiming = { now: () => performance.now(), behindAfterMs: 100 };

const changeOf = (token: ApiTokenRecord, period?: { period: string; used: number }): DocumentCountChange => ({
  tokenId: token.id,
  documentCount: token.documentCount,
  lastUsedAt: token.lastUsedAt,
  ...(period ? { period: period.period, periodDocumentCount: period.used } : {}),
});

export class DocumentCountFeed {
  private readonly channels: AccountChannels<DocumentCountChange, Member, CountState>;

  constructor(
    events: LiveEvents,
    private readonly counts: CurrentCounts,
    private readonly timing: FeedTiming = DEFAULT_TIMING,
  ) {
    this.channels = new AccountChannels(events, {
      subscribe: (accountId) => events.subscribeDocumentCounts(accountId),
      onEvent: (channel, change) => this.offerToAll(channel, change),
      newState: () => ({ waiting: new WaitingCounts() }),
      // without a plan no token works: there is nothing to count until one is chosen again
      endsWithPlan: true,
    });
    events.onResync(() => {
      for (const channel of this.channels.all()) {
        void Promise.all([this.counts.activeTokens(channel.accountId), this.counts.currentPeriod?.(channel.accountId)]).then(
          ([tokens, period]) => tokens.forEach((token) => this.offerToAll(channel, changeOf(token, period))),
          (error) => channel.members.forEach((member) => member.subscriber.fail(error)),
        );
      }
    });
  }

  /**
   * Subscribes to an account's counts. The subscriber is listening before the current counts
   * are read, so no change can fall between the two.
   */
  join(watch: DocumentCountWatch, subscriber: CountSubscriber): CountSubscription {
    const { accountId } = watch;
    const member = new Member(subscriber, watch.tokenId, watch.session);
    const { channel, leave } = this.channels.join(accountId, member);

    const current: Promise<ApiTokenRecord[]> = watch.knownToken
      ? Promise.resolve([watch.knownToken])
      : watch.tokenId
        ? this.counts.ownedToken(accountId, watch.tokenId).then((token) => [token])
        : this.counts.activeTokens(accountId);
    Promise.all([current, this.counts.currentPeriod?.(accountId)]).then(
      ([tokens, period]) => {
        if (channel.members.has(member)) tokens.forEach((token) => this.offer(member, changeOf(token, period)));
      },
      (error) => subscriber.fail(error),
    );

    return { leave };
  }

  /** How many accounts have subscribers here (each holds one event subscription). */
  accountCount(): number {
    return this.channels.accountCount();
  }

  private offerToAll(channel: CountChannel, change: DocumentCountChange): void {
    const now = this.timing.now();
    const { waiting, round } = channel.state;
    // When events come faster than they can be written out, the channel falls behind. Then the
    // waiting changes merge: dashboards skip to the latest count instead of falling ever further
    // behind. A round under way goes on with the latest count for the members it has not reached
    // yet, and the members it has passed get it in the next round: each member waits at most about
    // one round for the latest count, where finishing the old round first made it two (at 10,000
    // subscribers a round is over a hundred milliseconds).
    if (waiting.oldestWaitedMs(now) > this.timing.behindAfterMs) {
      if (round) waiting.upgradeFirst(change);
      waiting.merge(change, now, round ? 1 : 0);
    } else {
      waiting.append(change, now);
    }
    // a slice is pending exactly while changes wait: only the first one starts it
    if (waiting.length === 1) setImmediate(() => this.deliverSlice(channel));
  }

  private deliverSlice(channel: CountChannel): void {
    let budget = MEMBERS_PER_SLICE;
    const { state } = channel;
    while (state.waiting.length > 0) {
      const change = state.waiting.first()!;
      // a member that joins mid-round starts from the database's count instead
      const round = (state.round ??= { members: [...channel.members], next: 0 });
      while (round.next < round.members.length && budget > 0) {
        const member = round.members[round.next++]!;
        if (channel.members.has(member)) this.offer(member, change);
        budget--;
      }
      if (round.next < round.members.length) {
        setImmediate(() => this.deliverSlice(channel));
        return;
      }
      state.waiting.shift();
      state.round = undefined;
    }
  }

  private offer(member: Member, change: DocumentCountChange): void {
    if (member.tokenId !== undefined) {
      if (change.tokenId !== member.tokenId || change.documentCount <= (member.lastSent as number)) return;
      member.lastSent = change.documentCount;
    } else {
      const sent = member.lastSent as Map<string, number>;
      if (change.documentCount <= (sent.get(change.tokenId) ?? -1)) return;
      sent.set(change.tokenId, change.documentCount);
    }
    member.subscriber.deliver(this.periodNeverBackwards(member, change));
  }

  /** The change with the member's latest period usage when its own is older ("2026-12" sorts as text). */
  private periodNeverBackwards(member: Member, change: DocumentCountChange): DocumentCountChange {
    if (change.period === undefined || change.periodDocumentCount === undefined) return change;
    const last = member.lastPeriod;
    if (last && (last.period > change.period || (last.period === change.period && last.used > change.periodDocumentCount))) {
      return { ...change, period: last.period, periodDocumentCount: last.used };
    }
    member.lastPeriod = { period: change.period, used: change.periodDocumentCount };
    return change;
  }
}
