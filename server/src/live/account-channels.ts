// The shared per-account channel every live feed sits on (the document counts, the audit trail).
//
// An account's subscribers on this instance share one channel: one subscription to the account's
// event topic and one to its access-ended topic (events.ts: in process, or Redis across
// instances), however many subscribers there are. An event costs one delivery per instance plus a
// loop over the subscribers, and a subscriber costs no listener of its own on the event target.
//
// What ends a subscription lives here too, the same for every feed and every transport:
// - its session: signed out (on any instance, through accessEnded) or expired (one timer per
//   session, however many subscriptions it opened);
// - the account's plan, for the feeds that show nothing without one (the counts; the audit trail
//   stays readable without a plan, and shows the cancellation itself);
// - the feed's cap of subscribers per account on this instance, if it has one.
import { PlanRequiredError, SessionExpiredError } from '../domain/errors.js';
import { callAt } from './call-at.js';
import type { AccessEnded, LiveEvents } from './events.js';

/** A subscriber as its channel sees it: what can end it. */
export interface ChannelMember {
  /** The dashboard session that opened the subscription: it ends with that session. */
  readonly sessionId: string | undefined;
  /** Ends the subscription with this error; its transport then leaves the channel. */
  fail(error: unknown): void;
}

export interface AccountChannel<Member, State> {
  readonly accountId: string;
  readonly members: Set<Member>;
  /** The feed's own state for this account (the counts keep their waiting changes here). */
  readonly state: State;
}

export interface AccountChannelRules<Event, Member, State> {
  /** The account's event topic, subscribed once per account for all of its members. */
  subscribe(accountId: string): AsyncIterableIterator<Event>;
  /** One event of the account's topic, for the channel's members. */
  onEvent(channel: AccountChannel<Member, State>, event: Event): void;
  newState(): State;
  /** Whether the subscriptions end (PLAN_REQUIRED) when the account's plan is cancelled. */
  endsWithPlan: boolean;
  /** Subscribers per account on this instance, and the error a join past it fails with. */
  cap?: { max: number; error: () => Error };
}

export interface ChannelMembership<Member, State> {
  channel: AccountChannel<Member, State>;
  /** Leaves the channel; the last member to leave closes the account's topic subscriptions. */
  leave(): void;
}

interface OpenChannel<Member, State> extends AccountChannel<Member, State> {
  stop(): void;
}

/** The members one dashboard session opened, and the one timer that ends them at its expiry. */
interface SessionMembers<Member> {
  members: Set<Member>;
  cancelExpiry: () => void;
}

export class AccountChannels<Event, Member extends ChannelMember, State = undefined> {
  private readonly channels = new Map<string, OpenChannel<Member, State>>();
  private readonly sessions = new Map<string, SessionMembers<Member>>();

  constructor(
    private readonly events: LiveEvents,
    private readonly rules: AccountChannelRules<Event, Member, State>,
  ) {}

  /**
   * Adds `member` to the account's channel, opening it (and its topic subscriptions) for the
   * first member. Throws the rules' cap error, joining nothing, when the account is at its cap.
   */
  join(accountId: string, member: Member, session?: { id: string; expiresAt: Date }): ChannelMembership<Member, State> {
    const existing = this.channels.get(accountId);
    const { cap } = this.rules;
    if (cap && (existing?.members.size ?? 0) >= cap.max) throw cap.error();
    const channel = existing ?? this.open(accountId);
    channel.members.add(member);
    if (session) this.endWithSession(member, session);
    return {
      channel,
      leave: () => {
        if (!channel.members.delete(member)) return;
        this.leaveSession(member);
        if (channel.members.size === 0 && this.channels.get(accountId) === channel) {
          this.channels.delete(accountId);
          channel.stop();
        }
      },
    };
  }

  /** Every open channel (an account with subscribers here). */
  all(): IterableIterator<AccountChannel<Member, State>> {
    return this.channels.values();
  }

  /** How many accounts have subscribers here (each holds one subscription per topic). */
  accountCount(): number {
    return this.channels.size;
  }

  /** Subscribers of one account on this instance. */
  memberCount(accountId: string): number {
    return this.channels.get(accountId)?.members.size ?? 0;
  }

  private open(accountId: string): OpenChannel<Member, State> {
    const events = this.rules.subscribe(accountId);
    const accessEnds = this.events.subscribeAccessEnded(accountId);
    const channel: OpenChannel<Member, State> = {
      accountId,
      members: new Set(),
      state: this.rules.newState(),
      stop: () => {
        void events.return?.();
        void accessEnds.return?.();
      },
    };
    this.channels.set(accountId, channel);
    // A fault here (a feed's rule that throws, the event channel's subscription failing) ends this
    // account's subscriptions with it, which their transports mask as unexpected: never an
    // unhandled rejection, which would end the process and every other account's feeds.
    void (async () => {
      for await (const event of events) this.rules.onEvent(channel, event);
    })().catch((error: unknown) => this.failAll(channel, error));
    void (async () => {
      for await (const ended of accessEnds) this.endAccess(channel, ended);
    })().catch((error: unknown) => this.failAll(channel, error));
    return channel;
  }

  private failAll(channel: OpenChannel<Member, State>, error: unknown): void {
    // fail() leads each subscription to leave(), which shrinks the set: go over a copy
    for (const member of [...channel.members]) member.fail(error);
  }

  /** Ends the subscriptions that a signed-out session or a cancelled plan opened. */
  private endAccess(channel: OpenChannel<Member, State>, ended: AccessEnded): void {
    // fail() leads each subscription to leave(), which shrinks the set: go over a copy
    for (const member of [...channel.members]) {
      if (ended.reason === 'plan-ended') {
        if (this.rules.endsWithPlan) member.fail(new PlanRequiredError('cancelled'));
      } else if (member.sessionId === ended.sessionId) member.fail(new SessionExpiredError());
    }
  }

  private endWithSession(member: Member, session: { id: string; expiresAt: Date }): void {
    const existing = this.sessions.get(session.id);
    if (existing) existing.members.add(member);
    else this.sessions.set(session.id, { members: new Set([member]), cancelExpiry: this.expireAt(session.id, session.expiresAt) });
  }

  private leaveSession(member: Member): void {
    const session = member.sessionId === undefined ? undefined : this.sessions.get(member.sessionId);
    if (!session?.members.delete(member) || session.members.size > 0) return;
    session.cancelExpiry();
    this.sessions.delete(member.sessionId!);
  }

  /** Ends the session's subscriptions at `expiresAt` (wall clock). Returns the cancel function. */
  private expireAt(sessionId: string, expiresAt: Date): () => void {
    return callAt(expiresAt, () => {
      const session = this.sessions.get(sessionId);
      if (!session) return;
      for (const member of [...session.members]) member.fail(new SessionExpiredError());
    });
  }
}
