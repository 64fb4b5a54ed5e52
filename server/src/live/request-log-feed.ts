// The live request log (the requestLogged subscription): the account's entries as their batches
// are written, on every instance. The instance that served a request writes its entry with the
// next batch (persistence/request-log-writer.ts) and announces the batch once committed, one
// message per account and batch on the account's own topic (events.ts), so a busy token costs the
// event bus a few messages a second, not one per request.
//
// Like the audit trail: the Requests view reads its first page with requestConnection and puts
// these on top; a client that stops reading gets SUBSCRIBER_TOO_SLOW (bounded-push.ts) and reads
// the log again. It ends with the session, and stays readable without a plan (refusals for a
// missing plan are what it shows then).
import type { RequestLogEntry } from '../domain/request-log.js';
import { SubscriptionLimitReachedError } from '../domain/errors.js';
import { AccountChannels, type ChannelMember, type WatchingSession } from './account-channels.js';
import { boundedIterator } from './bounded-push.js';
import type { LiveEvents } from './events.js';

export interface RequestLogWatch {
  accountId: string;
  /** Only this token's requests; undefined: every token's. */
  tokenId?: string;
  session: WatchingSession;
}

/** Live request log subscriptions per account on one instance (a dashboard opens one per Requests view). */
export const MAX_REQUEST_LOG_FEEDS_PER_ACCOUNT = 10;

class RequestLogMember implements ChannelMember {
  constructor(
    readonly session: WatchingSession,
    private readonly tokenId: string | undefined,
    private readonly deliver: (entry: RequestLogEntry) => void,
    readonly fail: (error: unknown) => void,
  ) {}

  offer(entries: readonly RequestLogEntry[]): void {
    for (const entry of entries) if (this.tokenId === undefined || entry.tokenId === this.tokenId) this.deliver(entry);
  }
}

export class RequestLogFeed {
  private readonly channels: AccountChannels<RequestLogEntry[], RequestLogMember>;

  constructor(
    events: LiveEvents,
    /** What a subscription holds for a client that does not read (LIVE_MAX_UNREAD_EVENTS). */
    private readonly maxUnreadEvents: number,
  ) {
    this.channels = new AccountChannels(events, {
      subscribe: (accountId) => events.subscribeRequestsLogged(accountId),
      onEvent: (channel, entries) => channel.members.forEach((member) => member.offer(entries)),
      newState: () => undefined,
      endsWithPlan: false,
      cap: { max: MAX_REQUEST_LOG_FEEDS_PER_ACCOUNT, error: () => SubscriptionLimitReachedError.requestLogFeedsPerAccount(MAX_REQUEST_LOG_FEEDS_PER_ACCOUNT) },
    });
  }

  /** The account's entries from now on, until the watching session ends; the same iterator for every transport. */
  open(watch: RequestLogWatch): AsyncIterableIterator<RequestLogEntry> {
    return boundedIterator<RequestLogEntry>(
      (deliver, fail) => this.channels.join(watch.accountId, new RequestLogMember(watch.session, watch.tokenId, deliver, fail)).leave,
      this.maxUnreadEvents,
    );
  }
}
