// Where messages go: an SMTP server (SMTP_URL, with nodemailer), or without one the dev mailbox,
// which keeps the latest messages in memory for /dev/mailbox and logs one line per message.
import { createTransport } from 'nodemailer';

export interface OutgoingMessage {
  /** The outbox row's id: the Message-ID, the same on every attempt, so a receiver can drop a duplicate. */
  id: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

export interface MailTransport {
  send(message: OutgoingMessage): Promise<void>;
  close(): void;
}

/** Why an attempt failed, and whether trying again could help. */
export interface SendFailure {
  error: string;
  permanent: boolean;
}

// Every wait of an attempt is bounded, and all of them together stay well under the outbox's lease
// (MAIL_LEASE_MS): a slow server costs its own messages time, never a second copy.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000, dnsTimeout: 10_000 };

export function smtpTransport(url: string): MailTransport {
  // a small pool: a few connections reused, rather than one per message
  const transporter = createTransport({ url, pool: true, maxConnections: 2, maxMessages: 100, ...SMTP_TIMEOUTS });
  return {
    async send(message) {
      await transporter.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: messageIdOf(message),
        headers: message.headers,
        // the address is the outbox's, as checked at sign-up; nothing in it may add a recipient
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    },
    close: () => transporter.close(),
  };
}

/** RFC 5321: a 5yz reply refuses the message for good, except 503 (a command out of sequence). */
export function classifySendError(error: unknown): SendFailure {
  const { responseCode, code } = (error ?? {}) as { responseCode?: number; code?: string };
  if (typeof responseCode === 'number') {
    return { error: `SMTP ${responseCode}`, permanent: responseCode >= 500 && responseCode < 600 && responseCode !== 503 };
  }
  return { error: code ?? 'send failed', permanent: false };
}

export function messageIdOf(message: Pick<OutgoingMessage, 'id' | 'from'>): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(message.from)?.[1] ?? 'pogodoc.localhost';
  return `<${message.id.replace(/[^A-Za-z0-9._-]/g, '.')}@${domain}>`;
}

export interface MailboxMessage extends OutgoingMessage {
  messageId: string;
  sentAt: string;
}

/** Development without SMTP_URL: the latest messages, readable at /dev/mailbox; never in production. */
export class DevMailbox implements MailTransport {
  private readonly kept: MailboxMessage[] = [];

  constructor(
    private readonly log: (line: string, fields: Record<string, unknown>) => void,
    private readonly capacity = 200,
  ) {}

  async send(message: OutgoingMessage): Promise<void> {
    this.kept.push({ ...message, messageId: messageIdOf(message), sentAt: new Date().toISOString() });
    if (this.kept.length > this.capacity) this.kept.shift();
    // no body: a link's secret is read at /dev/mailbox, never in the log
    this.log('mail kept in the dev mailbox (no SMTP_URL): read it at /dev/mailbox', { to: message.to, subject: message.subject });
  }

  /** Newest first. */
  messages(): MailboxMessage[] {
    return [...this.kept].reverse();
  }

  close(): void {}
}
