// Live document counts. Topics are scoped per account ("documentCount:<accountId>"), so an event
// reaches only the instances with a subscriber of that account, and Redis traffic grows with
// events, not with subscribers: one PUBLISH per document, one delivery per interested instance.
//
// Without REDIS_URL the events stay in this process. With it, they travel through Redis, and
// when the Redis connection comes back after a drop, every subscription is told to re-send its
// current counts: events published during the outage are gone, the database is not.
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { AuditEventRecord } from '../domain/audit.js';
import type { LiveAnnouncements } from '../domain/ports.js';
import type { RequestLogEntry } from '../domain/request-log.js';

export interface DocumentCountChange {
  tokenId: string;
  documentCount: number;
  lastUsedAt: Date | null;
  /**
   * The account's billing period and its documents in it, carried by the same event, so that the
   * period meter and the token counts share one fan-out (domain/metering.ts).
   */
  period?: string;
  periodDocumentCount?: number;
}

/**
 * Access to one team's live views ended: every session's live counts (the plan was cancelled, so
 * there is nothing live to show until a plan is chosen again), or one person's (they left or were
 * removed). A signed-out session is not about one team: it has a topic of its own (sessionEnded).
 */
export type AccessEnded = { reason: 'plan-ended' } | { reason: 'member-removed'; userId: string };

type Topics = {
  [topic: `documentCount:${string}`]: [change: DocumentCountChange];
} & {
  [topic: `accessEnded:${string}`]: [ended: AccessEnded];
} & {
  [topic: `auditEvent:${string}`]: [event: AuditEventRecord];
} & {
  [topic: `requestsLogged:${string}`]: [entries: RequestLogEntry[]];
} & {
  sessionEnded: [sessionId: string];
};

export interface LiveEvents {
  publishDocumentCount(accountId: string, change: DocumentCountChange): void;
  subscribeDocumentCounts(accountId: string): AsyncIterableIterator<DocumentCountChange>;
  /** Tells every instance that a session or the plan of an account ended (see AccessEnded). */
  publishAccessEnded(accountId: string, ended: AccessEnded): void;
  subscribeAccessEnded(accountId: string): AsyncIterableIterator<AccessEnded>;
  /** Tells every instance that a session was signed out or revoked: whatever it opened, in any team, ends. */
  publishSessionEnded(sessionId: string): void;
  subscribeSessionsEnded(): AsyncIterableIterator<string>;
  /** An audit event of the account, once its transaction committed (per account topic, like the counts). */
  publishAuditEvent(accountId: string, event: AuditEventRecord): void;
  subscribeAuditEvents(accountId: string): AsyncIterableIterator<AuditEventRecord>;
  /** A written batch of the account's request log entries: one message per account and batch, not per request. */
  publishRequestsLogged(accountId: string, entries: RequestLogEntry[]): void;
  subscribeRequestsLogged(accountId: string): AsyncIterableIterator<RequestLogEntry[]>;
  /** Calls `listener` whenever events may have been missed; returns the unsubscribe function. */
  onResync(listener: () => void): () => void;
  /** Whether events can flow: always in process; with Redis, while both connections are up. */
  isReady(): boolean;
  /** Subscriptions open in this process (each a listener on the event target), which the live feeds share per account. */
  subscriptionCount(): number;
  close(): Promise<void>;
}

/** The fields of the events that are instants (JSON carries them as text through Redis). */
const DATE_KEYS = new Set(['lastUsedAt', 'createdAt', 'at', 'expiresAt']);

export interface LiveEventsOptions {
  redisUrl?: string;
  /** Where connection problems are reported (they never throw into a request). */
  onError?: (message: string, error: unknown) => void;
}

export function createLiveEvents({ redisUrl, onError = () => {} }: LiveEventsOptions = {}): LiveEvents {
  const resyncListeners = new Set<() => void>();
  let openSubscriptions = 0;
  /** The subscription, counted in openSubscriptions from here until it is returned. */
  const counted = <T>(iterator: AsyncIterableIterator<T>): AsyncIterableIterator<T> => {
    openSubscriptions++;
    let returned = false;
    return {
      next: () => iterator.next(),
      return(value?: unknown) {
        if (!returned) {
          returned = true;
          openSubscriptions--;
        }
        return iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };
  if (!redisUrl) {
    const pubsub = createPubSub<Topics>();
    return {
      publishDocumentCount: (accountId, change) => pubsub.publish(`documentCount:${accountId}`, change),
      subscribeDocumentCounts: (accountId) => counted(pubsub.subscribe(`documentCount:${accountId}`)),
      publishAccessEnded: (accountId, ended) => pubsub.publish(`accessEnded:${accountId}`, ended),
      subscribeAccessEnded: (accountId) => counted(pubsub.subscribe(`accessEnded:${accountId}`)),
      publishSessionEnded: (sessionId) => pubsub.publish('sessionEnded', sessionId),
      subscribeSessionsEnded: () => counted(pubsub.subscribe('sessionEnded')),
      publishAuditEvent: (accountId, event) => pubsub.publish(`auditEvent:${accountId}`, event),
      subscribeAuditEvents: (accountId) => counted(pubsub.subscribe(`auditEvent:${accountId}`)),
      publishRequestsLogged: (accountId, entries) => pubsub.publish(`requestsLogged:${accountId}`, entries),
      subscribeRequestsLogged: (accountId) => counted(pubsub.subscribe(`requestsLogged:${accountId}`)),
      onResync: () => () => {},
      isReady: () => true,
      subscriptionCount: () => openSubscriptions,
      close: async () => {},
    };
  }

  // Publishing fails fast while Redis is down instead of queueing without bound; subscribing
  // queues, and ioredis re-subscribes every channel when it reconnects.
  const publishClient = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: null, autoResubscribe: true });
  for (const [name, client] of [['publish', publishClient], ['subscribe', subscribeClient]] as const) {
    client.on('error', (error) => onError(`redis ${name} connection: ${(error as Error).message}`, error));
  }
  let subscribeConnectedBefore = false;
  subscribeClient.on('ready', () => {
    if (subscribeConnectedBefore) for (const listener of resyncListeners) listener();
    subscribeConnectedBefore = true;
  });

  // The event target's Redis calls return promises it does not await; a failed one must be
  // reported, not left as an unhandled rejection.
  const report = (what: string) => (error: unknown) => onError(`redis ${what} failed: ${(error as Error).message}`, error);
  const guarded = {
    publish: (channel: string, message: string) => publishClient.publish(channel, message).catch(report('publish')),
    subscribe: (channel: string) => subscribeClient.subscribe(channel).catch(report('subscribe')),
    unsubscribe: (channel: string) => subscribeClient.unsubscribe(channel).catch(report('unsubscribe')),
    on: subscribeClient.on.bind(subscribeClient),
  };
  const pubsub = createPubSub<Topics>({
    eventTarget: createRedisEventTarget({
      publishClient: guarded as unknown as Redis,
      subscribeClient: guarded as unknown as Redis,
      // JSON turns the Date into a string on the way through Redis; turn it back
      serializer: {
        stringify: JSON.stringify,
        parse: (text: string) =>
          JSON.parse(text, (key, value) => (DATE_KEYS.has(key) && typeof value === 'string' ? new Date(value) : value)),
      },
    }),
  });

  return {
    publishDocumentCount: (accountId, change) => pubsub.publish(`documentCount:${accountId}`, change),
    subscribeDocumentCounts: (accountId) => counted(pubsub.subscribe(`documentCount:${accountId}`)),
    publishAccessEnded: (accountId, ended) => pubsub.publish(`accessEnded:${accountId}`, ended),
    subscribeAccessEnded: (accountId) => counted(pubsub.subscribe(`accessEnded:${accountId}`)),
    publishSessionEnded: (sessionId) => pubsub.publish('sessionEnded', sessionId),
    subscribeSessionsEnded: () => counted(pubsub.subscribe('sessionEnded')),
    publishAuditEvent: (accountId, event) => pubsub.publish(`auditEvent:${accountId}`, event),
    subscribeAuditEvents: (accountId) => counted(pubsub.subscribe(`auditEvent:${accountId}`)),
    publishRequestsLogged: (accountId, entries) => pubsub.publish(`requestsLogged:${accountId}`, entries),
    subscribeRequestsLogged: (accountId) => counted(pubsub.subscribe(`requestsLogged:${accountId}`)),
    onResync(listener) {
      resyncListeners.add(listener);
      return () => resyncListeners.delete(listener);
    },
    isReady: () => publishClient.status === 'ready' && subscribeClient.status === 'ready',
    subscriptionCount: () => openSubscriptions,
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}

/** The domain's announcements (domain/ports.ts), carried by these events to every instance. */
export function liveAnnouncementsOf(events: LiveEvents): LiveAnnouncements {
  return {
    documentCounted: (accountId, change) => events.publishDocumentCount(accountId, change),
    sessionEnded: (sessionId) => events.publishSessionEnded(sessionId),
    planEnded: (accountId) => events.publishAccessEnded(accountId, { reason: 'plan-ended' }),
    memberRemoved: (teamId, userId) => events.publishAccessEnded(teamId, { reason: 'member-removed', userId }),
    auditEventsRecorded(recorded) {
      // events without an account (a sign-in with an unknown email) belong to no one's view;
      // the dedupe key is bookkeeping, not part of the event
      for (const event of recorded) if (event.accountId) events.publishAuditEvent(event.accountId, { ...event, dedupeKey: null });
    },
    requestsLogged(entries) {
      const byAccount = new Map<string, RequestLogEntry[]>();
      for (const entry of entries) {
        const ofAccount = byAccount.get(entry.accountId);
        if (ofAccount) ofAccount.push(entry);
        else byAccount.set(entry.accountId, [entry]);
      }
      for (const [accountId, ofAccount] of byAccount) events.publishRequestsLogged(accountId, ofAccount);
    },
  };
}
