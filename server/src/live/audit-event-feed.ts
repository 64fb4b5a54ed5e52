// The live audit trail (the auditEvents subscription): the account's events as their transactions
// commit, on every instance. Each committed audit row is reported by the driver that wrote it
// (persistence/sql-driver.ts, onAuditCommitted), announced through the domain's port and carried
// on the account's own topic (events.ts: in process, or Redis across instances), as the counts are.
//
// The account's subscribers share its channel (account-channels.ts): one subscription to the topic
// per account on this instance, and the same session ending as the counts. Not the plan's: the
// trail stays readable without a plan, and the cancellation is itself an event of it.
//
// Unlike the counts there is no "current first": the Activity view reads its first page with the
// auditEvents query and appends what arrives here; an event is a fact, not a state to catch up on.
// For the same reason events never merge: a client that stops reading gets what it was sent, then
// SUBSCRIBER_TOO_SLOW, on either transport (bounded-push.ts), and reads the trail again.
import type { AuditEventRecord, AuditEventType } from '../domain/audit.js';
import { SubscriptionLimitReachedError } from '../domain/errors.js';
import { AccountChannels, type ChannelMember, type WatchingSession } from './account-channels.js';
import { boundedIterator } from './bounded-push.js';
import type { LiveEvents } from './events.js';

export interface AuditEventWatch {
  accountId: string;
  /** Only these types; undefined or empty: every type. */
  types?: readonly AuditEventType[];
  session: WatchingSession;
}

/**
 * Live audit subscriptions per account on one instance. Each resolves its event's fields on its own
 * (AuditEvent.token reads the database), so every one multiplies the work of every event: the
 * dashboard opens two per tab (the Activity view and the leak banner).
 */
export const MAX_AUDIT_FEEDS_PER_ACCOUNT = 10;

class AuditMember implements ChannelMember {
  constructor(
    readonly session: WatchingSession,
    private readonly wanted: ReadonlySet<string> | null,
    private readonly deliver: (event: AuditEventRecord) => void,
    readonly fail: (error: unknown) => void,
  ) {}

  offer(event: AuditEventRecord): void {
    if (!this.wanted || this.wanted.has(event.type)) this.deliver(event);
  }
}

export class AuditEventFeed {
  private readonly channels: AccountChannels<AuditEventRecord, AuditMember>;

  constructor(
    events: LiveEvents,
    /** What a subscription holds for a client that does not read (LIVE_MAX_UNREAD_EVENTS). */
    private readonly maxUnreadEvents: number,
  ) {
    this.channels = new AccountChannels(events, {
      subscribe: (accountId) => events.subscribeAuditEvents(accountId),
      onEvent: (channel, event) => channel.members.forEach((member) => member.offer(event)),
      newState: () => undefined,
      endsWithPlan: false,
      cap: { max: MAX_AUDIT_FEEDS_PER_ACCOUNT, error: () => SubscriptionLimitReachedError.activityFeedsPerAccount(MAX_AUDIT_FEEDS_PER_ACCOUNT) },
    });
  }

  /** The account's events from now on, until the watching session ends; the same iterator for every transport. */
  open(watch: AuditEventWatch): AsyncIterableIterator<AuditEventRecord> {
    const wanted = watch.types?.length ? new Set<string>(watch.types) : null;
    return boundedIterator<AuditEventRecord>(
      (deliver, fail) => this.channels.join(watch.accountId, new AuditMember(watch.session, wanted, deliver, fail)).leave,
      this.maxUnreadEvents,
    );
  }

  /** Audit subscriptions of one account on this instance. */
  subscriberCount(accountId: string): number {
    return this.channels.memberCount(accountId);
  }

  /** How many accounts have audit subscribers here (each holds one event subscription). */
  accountCount(): number {
    return this.channels.accountCount();
  }
}
