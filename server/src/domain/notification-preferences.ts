// Which notifications a person gets by mail: every kind is on until they turn it off, here, in the
// dashboard, or with one click in a message (RFC 8058). Security notices cannot be turned off.
import { DomainError } from './errors.js';
import { mayTurnOff, NOTIFICATION_KINDS, unsubscribeSignatureMatches, type MailStore, type NotificationKind } from './mail.js';

export interface NotificationPreference {
  kind: NotificationKind;
  enabled: boolean;
  /** False for security notices: always sent. */
  canTurnOff: boolean;
}

export class NotificationPreferencesService {
  constructor(
    private readonly store: Pick<MailStore, 'optOuts' | 'setOptOut' | 'mailKeyOf'>,
    private readonly now: () => Date,
  ) {}

  async list(personId: string): Promise<NotificationPreference[]> {
    const off = await this.store.optOuts(personId);
    return NOTIFICATION_KINDS.map((kind) => ({ kind, enabled: !off.has(kind), canTurnOff: mayTurnOff(kind) }));
  }

  async set(personId: string, kind: NotificationKind, enabled: boolean): Promise<NotificationPreference[]> {
    if (!enabled && !mayTurnOff(kind)) {
      throw new DomainError('NOTIFICATION_REQUIRED', 'Security notices (a leaked token, a sign-in from a new browser) are always sent: they cannot be turned off.');
    }
    await this.store.setOptOut(personId, kind, !enabled, this.now());
    return this.list(personId);
  }

  /** A one-click unsubscribe link: true when its signature is the person's, and the kind is now off. */
  async unsubscribe(personId: string, kind: string, signature: string): Promise<boolean> {
    if (!(NOTIFICATION_KINDS as readonly string[]).includes(kind) || !mayTurnOff(kind as NotificationKind)) return false;
    const mailKey = await this.store.mailKeyOf(personId);
    if (!mailKey || !unsubscribeSignatureMatches(mailKey, personId, kind as NotificationKind, signature)) return false;
    await this.store.setOptOut(personId, kind as NotificationKind, true, this.now());
    return true;
  }
}
