// The shared per-account channel every live feed sits on (the document counts, the audit trail).
//
// An account's subscribers on this instance share one channel: one subscription to the account's
// event topic and one to its access-ended topic (events.ts: in process, or Redis across
// instances), however many subscribers there are. An event costs one delivery per instance plus a
// loop over the subscribers, and a subscriber costs no listener of its own on the event target.
//
// What ends a subscription lives here too, the same for every feed and every transport:
// - its session: signed out (on any instance, through sessionEnded, one topic for every team while
//   any session here watches) or expired (one timer per session, however many subscriptions it opened);
// - its person's membership of the team: they left or were removed (accessEnded, on any instance);
// - the account's plan, for the feeds that show nothing without one (the counts; the audit trail
//   stays readable without a plan, and shows the cancellation itself);
// - the feed's cap of subscribers per account on this instance, if it has one.
import { PlanRequiredError, SessionExpiredError, TeamNotFoundError } from '../domain/errors.js';
import { callAt } from './call-at.js';
import type { AccessEnded, LiveEvents } from './events.js';

/** The dashboard session that opened a subscription, and whose it is: the subscription ends with either. */
export interface WatchingSession {
  id: string;
  expiresAt: Date;
  /** The person signed in (their account id): the subscription ends if they leave the team. */
  userId: string;
}

/** A subscriber as its channel sees it: what can end it. */
export interface ChannelMember {
  readonly session: WatchingSession | undefined;
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
  /** The sessionEnded subscription, open while any session has members here. */
  private sessionsEnded: AsyncIterableIterator<string> | undefined;

  constructor(
    private readonly events: LiveEvents,
    private readonly rules: AccountChannelRules<Event, Member, State>,
  ) {}

  /**
   * Adds `member` to the account's channel, opening it (and its topic subscriptions) for the
   * first member. Throws the rules' cap error, joining nothing, when the account is at its cap.
   */
  join(accountId: string, member: Member): ChannelMembership<Member, State> {
    const existing = this.channels.get(accountId);
    const { cap } = this.rules;
    if (cap && (existing?.members.size ?? 0) >= cap.max) throw cap.error();
    const channel = existing ?? this.open(accountId);
    channel.members.add(member);
    if (member.session) this.endWithSession(member, member.session);
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

  /** Ends the subscriptions of a cancelled plan, or of a person who left the team. */
  private endAccess(channel: OpenChannel<Member, State>, ended: AccessEnded): void {
    // fail() leads each subscription to leave(), which shrinks the set: go over a copy
    for (const member of [...channel.members]) {
      if (ended.reason === 'plan-ended') {
        if (this.rules.endsWithPlan) member.fail(new PlanRequiredError('cancelled'));
      } else if (ended.reason === 'member-removed' && member.session !== undefined && member.session.userId === ended.userId) {
        member.fail(new TeamNotFoundError());
      }
    }
  }

  private endWithSession(member: Member, session: WatchingSession): void {
    const existing = this.sessions.get(session.id);
    if (existing) existing.members.add(member);
    else this.sessions.set(session.id, { members: new Set([member]), cancelExpiry: this.expireAt(session.id, session.expiresAt) });
    if (!this.sessionsEnded) this.listenForSessionsEnded();
  }

  private leaveSession(member: Member): void {
    const session = member.session && this.sessions.get(member.session.id);
    if (!session?.members.delete(member) || session.members.size > 0) return;
    session.cancelExpiry();
    this.sessions.delete(member.session!.id);
    if (this.sessions.size === 0) {
      void this.sessionsEnded?.return?.();
      this.sessionsEnded = undefined;
    }
  }

  /** Signed-out sessions, from any instance: their subscriptions here end, in whichever team. */
  private listenForSessionsEnded(): void {
    const ended = (this.sessionsEnded = this.events.subscribeSessionsEnded());
    void (async () => {
      for await (const sessionId of ended) this.endSession(sessionId);
    })().catch((error: unknown) => {
      // the topic failed: every session's subscriptions end with it, as a channel's do, and the
      // next session to join listens afresh
      if (this.sessionsEnded === ended) this.sessionsEnded = undefined;
      for (const sessionId of [...this.sessions.keys()]) this.endSession(sessionId, error);
    });
  }

  private endSession(sessionId: string, error: unknown = new SessionExpiredError()): void {
    const session = this.sessions.get(sessionId);
    if (session) for (const member of [...session.members]) member.fail(error);
  }

  /** Ends the session's subscriptions at `expiresAt` (wall clock). Returns the cancel function. */
  private expireAt(sessionId: string, expiresAt: Date): () => void {
    return callAt(expiresAt, () => this.endSession(sessionId));
  }
}
