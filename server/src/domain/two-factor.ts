// The second factor: TOTP (RFC 6238, 6 digits, 30 s, as authenticator apps make them) with ten
// single-use recovery codes. Enrolment shows a secret (and the app's otpauth:// link) and is
// confirmed by one code made from it; sign-in then asks for a code, or a recovery code, after the
// password. A code is accepted once: the store keeps the time step of the last one, so a code seen
// over a shoulder or replayed from a log does not sign in again.
import { randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import { auditEvent, type AuditActor, type AuditStore } from './audit.js';
import { DomainError, TwoFactorInvalidError, TwoFactorRequiredError } from './errors.js';
import type { TwoFactorStore } from './ports.js';
import type { RateLimiters } from './rate-limits.js';
import { hashSecret } from './secrets.js';

export const RECOVERY_CODE_COUNT = 10;
// a code from the step before or after the current one is accepted too: phones' clocks drift
const CLOCK_TOLERANCE_SECONDS = 30;
const ISSUER = 'Pogodoc';
// no 0/o, 1/l/i: a recovery code is read off paper and typed
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export interface TwoFactorEnrolment {
  /** Base32, for typing into an app that cannot scan. */
  secret: string;
  /** otpauth://totp/…: what the QR code holds. */
  otpauthUri: string;
}

/** A recovery code as typed: lower case, without the dash or spaces. */
const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((byte) => RECOVERY_ALPHABET[byte % RECOVERY_ALPHABET.length]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

export class TwoFactorService {
  constructor(
    private readonly store: TwoFactorStore,
    private readonly audit: Pick<AuditStore, 'record'>,
    private readonly limits: Pick<RateLimiters, 'signInFailuresPerAccount'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * A code checked outside sign-in (confirming an enrolment, turning it off) takes a point of the
   * account's failed sign-in allowance first, and gets it back only if it was right: about three
   * in a million six-digit codes are valid at any moment, so unlimited guesses from a stolen
   * session would find one within minutes.
   */
  private async limited<T>(accountId: string, check: () => Promise<T>): Promise<T> {
    const key = `two-factor:${accountId}`;
    await this.limits.signInFailuresPerAccount.consume(key);
    const result = await check();
    await this.limits.signInFailuresPerAccount.refund(key).catch(() => {});
    return result;
  }

  async isEnabled(accountId: string): Promise<boolean> {
    return Boolean((await this.store.find(accountId))?.secret);
  }

  recoveryCodesLeft(accountId: string): Promise<number> {
    return this.store.recoveryCodesLeft(accountId);
  }

  /** A new secret to enrol, replacing one shown before and not confirmed. */
  async startEnrolment(accountId: string, email: string): Promise<TwoFactorEnrolment> {
    if (await this.isEnabled(accountId)) {
      throw new DomainError('TWO_FACTOR_ALREADY_ENABLED', 'Two-factor authentication is already on. Turn it off first to enrol another app.');
    }
    const secret = generateSecret();
    await this.store.setPending(accountId, secret);
    return { secret, otpauthUri: generateURI({ issuer: ISSUER, label: email, secret }) };
  }

  /** Confirms the enrolment with a code from the new secret; answers the recovery codes, shown this once. */
  async confirmEnrolment(accountId: string, code: string, actor: AuditActor): Promise<string[]> {
    const factor = await this.store.find(accountId);
    if (!factor?.pendingSecret) {
      throw new DomainError('TWO_FACTOR_NOT_ENROLLING', 'Start the enrolment first (startTwoFactorEnrolment), then enter a code from the app.');
    }
    const pendingSecret = factor.pendingSecret;
    const timeStep = await this.limited(accountId, async () => {
      const step = await this.timeStepOf(pendingSecret, code, null);
      if (step === null) throw new TwoFactorInvalidError();
      return step;
    });
    const now = this.now();
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const enabled = await this.store.enable(accountId, factor.pendingSecret, now, timeStep, codes.map((recovery) => hashSecret(normalizeRecoveryCode(recovery))), () => [
      auditEvent('TWO_FACTOR_ENABLED', actor, now, { accountId }),
    ]);
    // another enrolment started meanwhile: this code was for a secret no longer pending
    if (!enabled) throw new TwoFactorInvalidError();
    return codes;
  }

  /** Turning it off takes a valid code (or a recovery code), and the password (checked by the caller, graphql/types/two-factor.ts). */
  async disable(accountId: string, code: string, actor: AuditActor): Promise<void> {
    if (!(await this.isEnabled(accountId))) {
      throw new DomainError('TWO_FACTOR_NOT_ENABLED', 'Two-factor authentication is not on for this account.');
    }
    await this.limited(accountId, () => this.checkCode(accountId, code, actor));
    const now = this.now();
    await this.store.disable(accountId, () => [auditEvent('TWO_FACTOR_DISABLED', actor, now, { accountId })]);
  }

  /**
   * The second step of a sign-in whose password was right: nothing when the account has no second
   * factor, TWO_FACTOR_REQUIRED without a code, TWO_FACTOR_INVALID with a wrong or used one.
   */
  async checkSignIn(accountId: string, code: string | undefined, actor: AuditActor): Promise<void> {
    if (!(await this.isEnabled(accountId))) return;
    if (code === undefined || code.trim() === '') throw new TwoFactorRequiredError();
    await this.checkCode(accountId, code, actor);
  }

  private async checkCode(accountId: string, code: string, actor: AuditActor): Promise<void> {
    const factor = await this.store.find(accountId);
    if (!factor?.secret) throw new TwoFactorInvalidError();
    const digits = code.replace(/\s/g, '');
    if (/^\d{6}$/.test(digits)) {
      const timeStep = await this.timeStepOf(factor.secret, digits, factor.lastTimeStep);
      if (timeStep !== null && (await this.store.acceptTimeStep(accountId, timeStep))) return;
      throw new TwoFactorInvalidError();
    }
    const now = this.now();
    const used = await this.store.useRecoveryCode(accountId, hashSecret(normalizeRecoveryCode(code)), now, () => [
      auditEvent('RECOVERY_CODE_USED', actor, now, { accountId }),
    ]);
    if (!used) throw new TwoFactorInvalidError();
  }

  /** The time step a code belongs to, within the tolerance and after `afterTimeStep`; null when it is not valid. */
  private async timeStepOf(secret: string, code: string, afterTimeStep: number | null): Promise<number | null> {
    if (!/^\d{6}$/.test(code.trim())) return null;
    const result = await verify({
      secret,
      token: code.trim(),
      epoch: Math.floor(this.now().getTime() / 1000),
      epochTolerance: CLOCK_TOLERANCE_SECONDS,
      ...(afterTimeStep !== null ? { afterTimeStep } : {}),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  }
}
