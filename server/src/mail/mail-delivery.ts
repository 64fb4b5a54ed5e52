// Delivers the mail outbox: claims due messages (one instance per message, see mail-store.ts),
// renders each from its template, sends it, and records the attempt: sent, tried again with
// backoff for a day, or given up (a dead letter: refused for good by the server, or out of retries).
// A few at once per instance: a slow SMTP server holds only this loop, never a request or a webhook.
import {
  MAIL_LEASE_MS,
  MAIL_MAX_WAITING_PER_TEAM,
  MAIL_RETRIES_RAN_OUT,
  mayTurnOff,
  nextMailAttempt,
  unsubscribeSignature,
  type ClaimedMail,
  type MailAttemptOutcome,
  type MailPayload,
  type MailStore,
  type NotificationKind,
} from '../domain/mail.js';
import { billingPeriodOf } from '../domain/metering.js';
import type { MailTemplates, TemplateContext } from './mail-templates.js';
import { classifySendError, type MailTransport } from './mail-transport.js';

const MESSAGES_IN_FLIGHT = 4;
const CLAIM_BATCH_SIZE = 20;

export interface MailDeliveryOptions {
  now: () => Date;
  /** MAIL_FROM: the From of every message. */
  from: string;
  /** PUBLIC_URL: where links in messages point (the dashboard). */
  publicUrl: string;
  /** Hears of each attempt's outcome, and of each message given up, for the operator's log and metrics. */
  onAttempt?: (outcome: 'sent' | 'retry' | 'given_up', givenUp?: { id: string; kind: string; reason: string }) => void;
}

/** The fragment the dashboard opens for each link (client/src/email-links.ts reads it). */
const LINK_FRAGMENT: Partial<Record<string, string>> = { VERIFY_EMAIL: 'verify', PASSWORD_RESET: 'reset', TEAM_INVITATION: 'invitation' };

const formatInstant = (iso: string | Date | null | undefined) => {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
};

/** The first day of the month after a billing period ("2026-12" → "2027-01-01"). */
function periodResetDate(period: unknown): string {
  const match = typeof period === 'string' ? /^(\d{4})-(\d{2})$/.exec(period) : null;
  if (!match) return '';
  return `${billingPeriodOf(new Date(Date.UTC(Number(match[1]), Number(match[2]), 1)))}-01`;
}

export class MailDelivery {
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: MailStore,
    private readonly transport: MailTransport,
    private readonly templates: MailTemplates,
    private readonly options: MailDeliveryOptions,
  ) {}

  /** Gives up each team's oldest waiting notifications past the cap (MAIL_MAX_WAITING_PER_TEAM); returns how many. */
  giveUpOverCap(): Promise<number> {
    return this.store.giveUpOverCap(MAIL_MAX_WAITING_PER_TEAM, this.options.now());
  }

  /** Deletes sent and given-up messages older than the retention; returns how many. */
  prune(retentionDays: number): Promise<number> {
    return this.store.prune(new Date(this.options.now().getTime() - retentionDays * 24 * 60 * 60 * 1000));
  }

  /** Sends every due message once; overlapping calls share one run. Resolves to how many were attempted. */
  deliverDue(): Promise<number> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<number> {
    let attempted = 0;
    for (;;) {
      const now = this.options.now();
      const claimed = await this.store.claimDue(now, new Date(now.getTime() + MAIL_LEASE_MS), CLAIM_BATCH_SIZE);
      if (claimed.length === 0) return attempted;
      const queue = [...claimed];
      await Promise.all(
        Array.from({ length: Math.min(MESSAGES_IN_FLIGHT, queue.length) }, async () => {
          for (let message = queue.shift(); message; message = queue.shift()) await this.attempt(message);
        }),
      );
      attempted += claimed.length;
    }
  }

  /** One attempt, always recorded: a message is never left claimed and tried again forever. */
  private async attempt(message: ClaimedMail): Promise<void> {
    let outcome: MailAttemptOutcome;
    let rendered;
    try {
      rendered = await this.render(message);
    } catch {
      outcome = { sent: false, error: 'could not render', retryAt: null, reason: 'could not render the message' };
    }
    if (rendered) {
      try {
        await this.transport.send({ id: message.id, from: this.options.from, to: message.toAddress, ...rendered });
        outcome = { sent: true };
      } catch (error) {
        const failure = classifySendError(error);
        const retryAt = failure.permanent ? null : nextMailAttempt(message.createdAt, message.attemptCount, this.options.now());
        outcome = { sent: false, error: failure.error, retryAt, reason: failure.permanent ? `refused by the mail server (${failure.error})` : undefined };
      }
    }
    const at = this.options.now();
    await this.store.recordAttempt(message, at, outcome!);
    if (outcome!.sent) this.options.onAttempt?.('sent');
    else if (outcome!.retryAt) this.options.onAttempt?.('retry');
    else this.options.onAttempt?.('given_up', { id: message.id, kind: message.kind, reason: outcome!.reason ?? MAIL_RETRIES_RAN_OUT });
  }

  private async render(message: ClaimedMail) {
    const payload = JSON.parse(message.payload) as MailPayload & { details?: unknown; tokenId?: string | null; at?: string; clientAddress?: string | null; userAgent?: string | null; teamId?: string; validUntil?: string };
    const names = await this.store.names(payload.teamId ?? message.accountId, payload.tokenId ?? null);
    const dashboardUrl = `${this.options.publicUrl}/`;
    const { secret, ...facts } = payload;
    const details = (payload.details ?? facts) as Record<string, unknown>;
    const fragment = LINK_FRAGMENT[message.kind];
    const teamLabel = names.teamName ?? (names.teamEmail ? `your account ${names.teamEmail}` : 'your account');
    const context: TemplateContext = {
      to: message.toAddress,
      dashboard_url: dashboardUrl,
      team_label: teamLabel,
      // for a sentence that starts with it
      team_label_start: teamLabel.charAt(0).toUpperCase() + teamLabel.slice(1),
      token_name: names.tokenName ? `“${names.tokenName}”` : 'that was deleted since',
      at: formatInstant(payload.at ?? message.createdAt),
      client_address: payload.clientAddress ?? 'an unknown address',
      user_agent: payload.userAgent ?? 'an unknown client',
      valid_until: formatInstant(payload.validUntil),
      details,
      reset_date: periodResetDate(details.period),
      // the 80% warning's forecast (metering.ts, quotaForecast), as a day
      runs_out_date: typeof details.runsOutAt === 'string' ? details.runsOutAt.slice(0, 10) : '',
    };
    if (fragment && secret) context.action_url = `${dashboardUrl}#${fragment}=${secret}`;
    const headers: Record<string, string> = { 'Auto-Submitted': 'auto-generated' };
    if (mayTurnOff(message.kind) && message.recipientId) {
      const recipient = await this.store.recipient(message.recipientId);
      if (recipient) {
        const kind = message.kind as NotificationKind;
        const url = `${this.options.publicUrl}/mail/unsubscribe?u=${encodeURIComponent(recipient.id)}&k=${kind}&s=${unsubscribeSignature(recipient.mailKey, recipient.id, kind)}`;
        context.unsubscribe_url = url;
        // RFC 8058: a mail client may unsubscribe with one POST to this URL, no page, no sign-in
        headers['List-Unsubscribe'] = `<${url}>`;
        headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
      }
    }
    return { ...(await this.templates.render(message.kind, context)), headers };
  }
}
