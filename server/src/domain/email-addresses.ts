// A person's e-mail address: verifying it, changing it, and resetting the password through it.
// Each link is single-use, valid for EMAIL_LINK_VALID_MS, and ends the person's older links of its
// purpose; only its secret's hash is stored, and the secret travels in the message alone.
import { auditEvent, type AuditActor } from './audit.js';
import { checkPassword, hashPassword, normalizeEmail } from './accounts.js';
import { DomainError, EmailTakenError } from './errors.js';
import { newId } from './ids.js';
import { linkRecords, message, type ChangeRecord, type EmailLinkPurpose } from './mail.js';
import type { AccountStore, LiveAnnouncements, PersonRecord } from './ports.js';
import type { RateLimiters } from './rate-limits.js';
import { hashSecret } from './secrets.js';

export interface EmailLinkRecord {
  id: string;
  userId: string;
  purpose: EmailLinkPurpose;
  email: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface EmailLinkStore {
  /** Writes links and messages that are a change of their own (a verification sent again). */
  record(records: readonly ChangeRecord[]): Promise<void>;
  linkBySecretHash(secretHash: string): Promise<EmailLinkRecord | null>;
  /**
   * Uses the link and marks its address verified, if the link is still unused and unexpired at
   * `at` and the address is still the person's; false otherwise.
   */
  verify(link: EmailLinkRecord, at: Date, records: readonly ChangeRecord[]): Promise<boolean>;
  /**
   * Uses the link, sets the password, and deletes every session of the person, under the same
   * conditions as verify; the ids of the sessions ended, or null when the link did not hold.
   */
  resetPassword(link: EmailLinkRecord, passwordHash: string, at: Date, records: readonly ChangeRecord[]): Promise<string[] | null>;
  /** Sets the new address, unverified, and ends the person's pending links; 'taken' when another account has it. */
  changeEmail(personId: string, email: string, at: Date, records: readonly ChangeRecord[]): Promise<'changed' | 'taken'>;
}

export class EmailLinkInvalidError extends DomainError {
  constructor() {
    super('EMAIL_LINK_INVALID', 'This link does not work: it was used already, a newer one was sent, or it was copied incompletely. Ask for a new one.');
  }
}

export class EmailAddressService {
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly store: EmailLinkStore,
    private readonly accounts: Pick<AccountStore, 'findByEmail'>,
    private readonly limits: Pick<RateLimiters, 'mailLinksPerPerson' | 'passwordResetsPerIp' | 'passwordResetsPerAddress'>,
    private readonly announce: Pick<LiveAnnouncements, 'sessionEnded'>,
    private readonly confirmPassword: (person: PersonRecord, password: string) => Promise<void>,
    private readonly now: () => Date,
    /** Hears of a failure in work done after the answer (a reset request's lookup and mail). */
    private readonly onBackgroundError: (error: unknown) => void = () => {},
  ) {}

  /** A new verification link to the person's address (the older one stops working); rate-limited per person. */
  async sendVerification(person: PersonRecord): Promise<void> {
    if (person.emailVerifiedAt) throw new DomainError('EMAIL_ALREADY_VERIFIED', `${person.email} is verified already.`);
    await this.limits.mailLinksPerPerson.consume(person.id);
    await this.store.record(linkRecords('VERIFY_EMAIL', person, this.now()).records);
  }

  /** Follows a verification link: the address it was sent to is verified, if it is still the person's. */
  async verify(secret: string, actor: AuditActor): Promise<void> {
    const now = this.now();
    const link = await this.usableLink(secret, 'VERIFY_EMAIL', now);
    const event = auditEvent('EMAIL_VERIFIED', { ...actor, user: { id: link.userId, email: link.email } }, now, { accountId: link.userId, details: { email: link.email } });
    if (!(await this.store.verify(link, now, [event]))) throw new EmailLinkInvalidError();
  }

  /**
   * A new address, confirmed with the password: it is unverified until its link is followed, the
   * old address is told (with no link: a person whose session was stolen learns of it there), and
   * pending links to the old address stop working.
   */
  async changeEmail(person: PersonRecord, rawEmail: string, password: string, actor: AuditActor): Promise<void> {
    const email = normalizeEmail(rawEmail);
    if (email === person.email) throw new DomainError('EMAIL_UNCHANGED', `${email} is your address already.`);
    await this.confirmPassword(person, password);
    await this.limits.mailLinksPerPerson.consume(person.id);
    const now = this.now();
    const changed = { id: person.id, email };
    const outcome = await this.store.changeEmail(person.id, email, now, [
      auditEvent('EMAIL_CHANGED', { ...actor, user: { id: person.id, email: person.email } }, now, { accountId: person.id, details: { from: person.email, to: email } }),
      ...linkRecords('VERIFY_EMAIL', changed, now).records,
      message('EMAIL_CHANGED', person.id, { address: person.email }, { from: person.email, to: email, clientAddress: actor.clientAddress }, now, newId(now)),
    ]);
    if (outcome === 'taken') throw new EmailTakenError();
  }

  /**
   * Asks for a reset link. The answer is the same, and comes as fast, whether the address has an
   * account or not: after the address's shape and the caller's rate limit, the lookup and the
   * message are done after the answer (no enumeration by content or by timing). An address asked
   * for too often is silently not mailed again for a while (passwordResetsPerAddress).
   */
  async requestPasswordReset(rawEmail: string, clientAddress: string, actor: AuditActor): Promise<void> {
    const email = normalizeEmail(rawEmail);
    await this.limits.passwordResetsPerIp.consume(clientAddress);
    const work = this.sendReset(email, actor).catch(this.onBackgroundError);
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  private async sendReset(email: string, actor: AuditActor): Promise<void> {
    const person = await this.accounts.findByEmail(email);
    if (!person) return;
    try {
      await this.limits.passwordResetsPerAddress.consume(person.id);
    } catch {
      return;
    }
    const now = this.now();
    await this.store.record([
      auditEvent('PASSWORD_RESET_REQUESTED', { ...actor, user: { id: person.id, email } }, now, { accountId: person.id }),
      ...linkRecords('PASSWORD_RESET', person, now).records,
    ]);
  }

  /** Resolves once the work begun after earlier answers is done (tests, and a graceful stop). */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all(this.background);
  }

  /**
   * Follows a reset link: a new password, every session of the person ended (whoever had one is
   * signed out), the address verified (the link reached it), and a notice to it.
   */
  async resetPassword(secret: string, password: string, actor: AuditActor): Promise<void> {
    checkPassword(password);
    const now = this.now();
    const link = await this.usableLink(secret, 'PASSWORD_RESET', now);
    const passwordHash = await hashPassword(password);
    const user = { id: link.userId, email: link.email };
    const ended = await this.store.resetPassword(link, passwordHash, now, [
      auditEvent('PASSWORD_RESET', { ...actor, user }, now, { accountId: link.userId }),
      message('PASSWORD_CHANGED', link.userId, { personId: link.userId }, { clientAddress: actor.clientAddress, userAgent: actor.userAgent }, now, link.id),
    ]);
    if (!ended) throw new EmailLinkInvalidError();
    for (const sessionId of ended) this.announce.sessionEnded(sessionId);
  }

  private async usableLink(secret: string, purpose: EmailLinkPurpose, now: Date): Promise<EmailLinkRecord> {
    const link = await this.store.linkBySecretHash(hashSecret(secret.trim()));
    if (!link || link.purpose !== purpose || link.usedAt) throw new EmailLinkInvalidError();
    if (link.expiresAt <= now) {
      throw new DomainError('EMAIL_LINK_EXPIRED', purpose === 'PASSWORD_RESET' ? 'This reset link has expired (links work for an hour). Ask for a new one.' : 'This verification link has expired (links work for 24 hours). Send a new one from the dashboard.');
    }
    return link;
  }
}
