// Dashboard accounts: sign-up, sign-in with email and password, sessions, plans.
// (Over 200 lines: each operation also builds its audit event, next to the change it records.)
import { hash as argon2Hash, verify as argon2Verify, type Algorithm } from '@node-rs/argon2';
import {
  ApiTokenInvalidError,
  DomainError,
  EmailTakenError,
  InvalidCredentialsError,
  NotAuthenticatedError,
  planRequiredMessage,
  SessionExpiredError,
  PasswordIncorrectError,
  SessionNotFoundError,
  TwoFactorInvalidError,
} from './errors.js';
import type { TwoFactorService } from './two-factor.js';
import { findPlan, missingPlanReason, type Plan } from './plans.js';
import type { AccountRecord, AccountStore, ApiTokenRecord, LiveAnnouncements, PersonRecord, SessionListing, SessionStore, SessionWithAccount } from './ports.js';
import { consumeEach, type RateLimiters } from './rate-limits.js';
import { checkSecretShape, generateSecret, hashSecret } from './secrets.js';
import { auditEvent, type AuditActor, type AuditEventRecord, type AuditStore } from './audit.js';
import { billingPeriodOf, quotaEventKey, quotaEventOfPlanChange, quotaOf } from './metering.js';
import { linkRecords, message } from './mail.js';

export const PASSWORD_MIN_LENGTH = 8;
// argon2 hashes any length, but an unbounded input is a cheap way to burn CPU.
export const PASSWORD_MAX_LENGTH = 256;
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
/** How long a browser a person signed in with is remembered: a sign-in from another is told by mail. */
export const NEW_SIGN_IN_MEMORY_DAYS = 90;
/** How stale a session's "last seen" may be: it is written at most this often per session. */
export const SESSION_LAST_SEEN_STEP_MS = 5 * 60 * 1000;

// Algorithm is a const enum in the package's types, which isolated modules cannot read.
const ARGON2ID = 2 as Algorithm;
// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane.
const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export interface NewSession {
  account: AccountRecord;
  /** The session token. It leaves the server only in this response. */
  sessionToken: string;
  expiresAt: Date;
}

/** A plan as an account holds it. */
export interface AccountPlanState {
  plan: Plan | null;
  active: boolean;
  activatedAt: Date | null;
  cancelledAt: Date | null;
  /**
   * Why the account's active tokens do not authenticate now, or null when they do. They are not
   * deleted: choosing a plan again makes them work. The code and message are the ones a call
   * with such a token gets (401 PLAN_REQUIRED).
   */
  tokensPaused: { reason: 'PLAN_REQUIRED'; message: string; since: Date | null } | null;
}

export function planStateOf(account: Pick<AccountRecord, 'planId' | 'planActivatedAt' | 'planCancelledAt'>): AccountPlanState {
  const plan = account.planId ? (findPlan(account.planId) ?? null) : null;
  const missing = missingPlanReason(account);
  return {
    plan,
    active: missing === null,
    activatedAt: account.planActivatedAt,
    cancelledAt: account.planCancelledAt,
    tokensPaused: missing && { reason: 'PLAN_REQUIRED', message: planRequiredMessage(missing), since: account.planCancelledAt },
  };
}

export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  // Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new DomainError('EMAIL_INVALID', 'Enter a valid email address, like name@example.com.');
  }
  return email;
}

/** The same argon2id parameters for every password, however it is set. */
export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password, ARGON2_OPTIONS);
}

export function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw new DomainError('PASSWORD_TOO_SHORT', `Use a password of at least ${PASSWORD_MIN_LENGTH} characters.`);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new DomainError('PASSWORD_TOO_LONG', `Use a password of at most ${PASSWORD_MAX_LENGTH} characters.`);
  }
}

export class AccountService {
  // Verified against when the email is unknown, so that a missing account costs the same time
  // as a wrong password and sign-in timing does not reveal which emails exist.
  private readonly decoyHash: Promise<string>;

  constructor(
    private readonly accounts: AccountStore,
    private readonly sessions: SessionStore,
    private readonly limits: Pick<RateLimiters, 'signInFailuresPerAccount' | 'signInFailuresPerIp' | 'signUpsPerIp'>,
    private readonly announce: Pick<LiveAnnouncements, 'sessionEnded' | 'planEnded'>,
    private readonly audit: Pick<AuditStore, 'record' | 'hasSignedInWith'>,
    private readonly twoFactor: Pick<TwoFactorService, 'checkSignIn'>,
    /** The clock of expiring links and invitations (the token rules' clock, which tests inject). */
    private readonly linkClock: () => Date,
    // the session clock stays the real one: the token rules' injected clock is not passed here
    private readonly now: () => Date = () => new Date(),
  ) {
    this.decoyHash = argon2Hash('decoy-password-for-timing', ARGON2_OPTIONS);
  }

  /**
   * Sign-ups are limited per client address. A sign-up that gets as far as hashing counts, taken
   * email included: each costs an argon2 hash, and EMAIL_TAKEN is the one answer that tells
   * whether an email has an account.
   */
  async signUp(rawEmail: string, password: string, clientAddress: string, actor: AuditActor): Promise<NewSession> {
    const email = normalizeEmail(rawEmail);
    checkPassword(password);
    await this.limits.signUpsPerIp.consume(clientAddress);
    const passwordHash = await argon2Hash(password, ARGON2_OPTIONS);
    // the account, its first session, SIGN_UP and SIGN_IN_SUCCEEDED commit together: no account
    // without the event that says who made it, from where
    const { sessionToken, secretHash, now, expiresAt } = this.newSessionCredential();
    // ... and the link that verifies the address, with its message
    const account = await this.accounts.create({ email, passwordHash }, { secretHash, expiresAt, clientAddress: actor.clientAddress, userAgent: actor.userAgent }, ({ account }) => [
      ...(['SIGN_UP', 'SIGN_IN_SUCCEEDED'] as const).map((type) => auditEvent(type, { ...actor, user: { id: account.id, email } }, now, { accountId: account.id })),
      ...linkRecords('VERIFY_EMAIL', { id: account.id, email }, this.linkClock()).records,
    ]);
    if (!account) throw new EmailTakenError();
    return { account, sessionToken, expiresAt };
  }

  /**
   * Failed attempts are limited per account and per client address. Every attempt takes its
   * point from both limits *before* the password is checked, and gets it back if it succeeds:
   * checking first and counting after the ~40 ms verification would let a burst of concurrent
   * guesses all pass the check, so at most the limit's number of wrong passwords is ever
   * verified. A limited attempt is refused even when the password is right. A success resets the
   * account's count. Unknown emails are counted like known ones, so the limit says nothing about
   * which emails exist.
   */
  async signIn(rawEmail: string, password: string, clientAddress: string, actor: AuditActor, twoFactorCode?: string): Promise<NewSession> {
    const email = rawEmail.trim().toLowerCase();
    const perAccount = this.limits.signInFailuresPerAccount;
    const perAddress = this.limits.signInFailuresPerIp;
    await consumeEach([
      [perAccount, email],
      [perAddress, clientAddress],
    ]);
    let account: PersonRecord | null;
    let passwordOk: boolean;
    try {
      account = await this.accounts.findByEmail(email);
      passwordOk = await argon2Verify(account?.passwordHash ?? (await this.decoyHash), password);
    } catch (error) {
      // no verdict (the database was away, say): not a failure
      await Promise.all([perAccount.refund(email), perAddress.refund(clientAddress)]).catch(() => {});
      throw error;
    }
    if (!account || !passwordOk) {
      // nothing changes on a failure, so the event is written alone; a failure to write it must not change the answer
      await this.audit.record([auditEvent('SIGN_IN_FAILED', actor, this.now(), { accountId: account?.id ?? null })]).catch(() => {});
      throw new InvalidCredentialsError(); // its points stay taken
    }
    // the second factor, after the password: a wrong code is a failed attempt like a wrong
    // password (its points stay taken, so codes cannot be guessed faster than passwords); asking
    // for the code is not, so its points come back
    try {
      await this.twoFactor.checkSignIn(account.id, twoFactorCode, actor);
    } catch (error) {
      if (error instanceof TwoFactorInvalidError) {
        await this.audit.record([auditEvent('SIGN_IN_FAILED', actor, this.now(), { accountId: account.id, details: { reason: error.code } })]).catch(() => {});
      } else {
        await Promise.all([perAccount.refund(email), perAddress.refund(clientAddress)]).catch(() => {});
      }
      throw error;
    }
    // a success is no failure: the account starts over, and the address gets its point back
    // (if that bookkeeping fails, the count stays one too high; the right password still signs in)
    await Promise.all([perAccount.reset(email), perAddress.refund(clientAddress)]).catch(() => {});
    return this.openSession(account, actor);
  }

  /**
   * Revokes the session: the token stops working at once, and what it has open (live counts)
   * ends on every instance. Signing out twice is harmless.
   */
  async signOut(sessionToken: string, actor: AuditActor): Promise<void> {
    const now = this.now();
    const ended = await this.sessions.delete(hashSecret(sessionToken), (session) => [
      auditEvent('SIGN_OUT', { ...actor, id: session.id }, now, { accountId: session.accountId }),
    ]);
    if (ended) this.announce.sessionEnded(ended.id);
  }

  /** The session behind a session token, with its account, or an error that says why there is none. */
  async authenticateSession(sessionToken: string | undefined, actor?: Omit<AuditActor, 'type' | 'id'>): Promise<SessionWithAccount> {
    if (!sessionToken) throw new NotAuthenticatedError();
    if (checkSecretShape(sessionToken, 'session') !== 'valid') throw new SessionExpiredError();
    const session = await this.sessions.findSession(hashSecret(sessionToken), this.now());
    if (!session) {
      if (actor) await this.recordSessionExpired(sessionToken, actor);
      throw new SessionExpiredError();
    }
    await this.recordSeen(session);
    return session;
  }

  /**
   * "Last seen" in the list of sessions, to within SESSION_LAST_SEEN_STEP_MS: a write at most that
   * often per session, not one per request. A failure to write it must not refuse the request.
   */
  private async recordSeen(session: SessionWithAccount): Promise<void> {
    const now = this.now();
    const stepAgo = new Date(now.getTime() - SESSION_LAST_SEEN_STEP_MS);
    if (session.lastSeenAt && session.lastSeenAt > stepAgo) return;
    await this.sessions.touch(session.id, now, stepAgo).catch(() => {});
  }

  /** The account's sessions, most recently seen first. */
  listSessions(accountId: string): Promise<SessionListing[]> {
    return this.sessions.list(accountId, this.now());
  }

  /**
   * Ends sessions of the account by id, as signing out there would: their tokens stop at once, and
   * what they have open (live counts, the activity feed) ends on every instance. An id that is
   * not a session of this account is SESSION_NOT_FOUND, and nothing is revoked.
   */
  async revokeSessions(accountId: string, sessionIds: readonly string[], actor: AuditActor): Promise<number> {
    const now = this.now();
    const current = new Set((await this.sessions.list(accountId, now)).map((session) => session.id));
    if (sessionIds.some((id) => !current.has(id))) throw new SessionNotFoundError();
    const ended = await this.sessions.deleteByIds(accountId, sessionIds, (session) => [
      auditEvent('SESSION_REVOKED', actor, now, { accountId, details: { sessionId: session.id } }),
    ]);
    for (const session of ended) this.announce.sessionEnded(session.id);
    return ended.length;
  }

  /** Every session of the account but `keepId`: "sign out everywhere else". */
  async revokeOtherSessions(accountId: string, keepId: string, actor: AuditActor): Promise<number> {
    const others = (await this.sessions.list(accountId, this.now())).filter((session) => session.id !== keepId);
    return this.revokeSessions(accountId, others.map((session) => session.id), actor);
  }

  /**
   * The signed-in user's password again, before a change a stolen session must not make alone
   * (two-factor on or off). A wrong one is a failed sign-in attempt of the account, under the same
   * limit; a right one gives its point back.
   */
  async confirmPassword(account: PersonRecord, password: string): Promise<void> {
    const perAccount = this.limits.signInFailuresPerAccount;
    await perAccount.consume(account.email);
    if (!(await argon2Verify(account.passwordHash, password))) throw new PasswordIncorrectError();
    await perAccount.refund(account.email).catch(() => {});
  }

  /** The person as stored now (after a change of their address, say). */
  async findPerson(id: string): Promise<AccountRecord | null> {
    return this.accounts.findById(id);
  }

  /** The account of a token that authenticated; a token whose account is gone is invalid. */
  async accountOfToken(token: ApiTokenRecord): Promise<AccountRecord> {
    const account = await this.accounts.findById(token.accountId);
    if (!account) throw new ApiTokenInvalidError();
    return account;
  }

  /** Only the failure path reads this: once per session (its dedupe key), whoever presents it. */
  private async recordSessionExpired(sessionToken: string, actor: Omit<AuditActor, 'type' | 'id'>) {
    const now = this.now();
    const expired = await this.sessions.findExpired(hashSecret(sessionToken), now).catch(() => null);
    if (!expired) return;
    const event = auditEvent('SESSION_EXPIRED', { ...actor, type: 'SESSION', id: expired.id }, now, {
      accountId: expired.accountId,
      dedupeKey: `session-expired:${expired.id}`,
    });
    await this.audit.record([event]).catch(() => {});
  }

  /** Records PLAN_CHOSEN when the account had no active plan, PLAN_CHANGED otherwise, in the change's transaction. */
  async choosePlan(current: AccountRecord, planId: string, actor: AuditActor): Promise<AccountRecord> {
    if (!findPlan(planId)) {
      throw new DomainError('PLAN_NOT_FOUND', `There is no plan "${planId}". Choose one of the plans listed by the plans query.`);
    }
    const now = this.now();
    const accountId = current.id;
    const previousPlanId = missingPlanReason(current) ? null : current.planId;
    // A new plan moves the wall: usage already at or past the new plan's 80% or 100% is told now,
    // by the change (a downgrade below what was used blocks the next document at once), with the
    // same dedupe key a document would use, so it is said once whichever comes first.
    const quota = quotaOf(planId);
    const period = billingPeriodOf(now);
    return this.accounts.setPlan(accountId, planId, now, ({ periodDocumentCount: used }) => {
      const events = [auditEvent(previousPlanId === null ? 'PLAN_CHOSEN' : 'PLAN_CHANGED', actor, now, { accountId, details: { planId, previousPlanId } })];
      const quotaType = quota === null ? null : quotaEventOfPlanChange(used, quota);
      if (quotaType && quota !== null) {
        events.push(auditEvent(quotaType, actor, now, { accountId, details: { period, used, quota }, dedupeKey: quotaEventKey(quotaType, accountId, period, quota) }));
      }
      return events;
    });
  }

  /** Cancelling without an active plan changes nothing. Live counts end with the plan. */
  async cancelPlan(account: AccountRecord, actor: AuditActor): Promise<AccountRecord> {
    if (missingPlanReason(account)) return account;
    const now = this.now();
    const cancelled = await this.accounts.cancelPlan(account.id, now, () => [
      auditEvent('PLAN_CANCELLED', actor, now, { accountId: account.id, details: { planId: account.planId } }),
    ]);
    this.announce.planEnded(account.id);
    return cancelled;
  }

  /**
   * A sign-in from a browser (User-Agent) the person has not signed in with for
   * NEW_SIGN_IN_MEMORY_DAYS is told to their address: a stolen password shows up there.
   */
  private async openSession(account: PersonRecord, actor: AuditActor): Promise<NewSession> {
    const { sessionToken, secretHash, now, expiresAt } = this.newSessionCredential();
    const seenSince = new Date(now.getTime() - NEW_SIGN_IN_MEMORY_DAYS * 24 * 60 * 60 * 1000);
    const seen = await this.audit.hasSignedInWith(account.id, actor.userAgent, seenSince).catch(() => true);
    const event = auditEvent('SIGN_IN_SUCCEEDED', { ...actor, user: { id: account.id, email: account.email } }, now, { accountId: account.id });
    await this.sessions.create({ accountId: account.id, secretHash, expiresAt, clientAddress: actor.clientAddress, userAgent: actor.userAgent }, () => [
      event,
      ...(seen ? [] : [message('NEW_SIGN_IN', account.id, { personId: account.id }, { at: now.toISOString(), clientAddress: actor.clientAddress, userAgent: actor.userAgent }, now, event.id)]),
    ]);
    return { account, sessionToken, expiresAt };
  }

  /** A new session's secret (only its hash is stored) and its expiry, from now. */
  private newSessionCredential() {
    const sessionToken = generateSecret('session');
    const now = this.now();
    return { sessionToken, secretHash: hashSecret(sessionToken), now, expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS) };
  }
}
