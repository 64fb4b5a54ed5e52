// A real SMTP server on loopback (smtp-server, from the nodemailer project) that keeps what it
// receives, parsed by mailparser: the subjects, links and headers a mail client would see. It can
// go down and come back on the same port, and refuse chosen recipients for good (550).
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  parsed: ParsedMail;
  /** The envelope's recipients, as the server was told (RCPT TO). */
  envelopeTo: string[];
}

export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  private server: SMTPServer | undefined;
  port = 0;

  constructor(private readonly refuse: (address: string) => boolean = () => false) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      // going down closes the client's idle pooled connections at once, as a crash would
      closeTimeout: 50,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.refuse(address.address)) {
          const error = Object.assign(new Error('mailbox unavailable'), { responseCode: 550 });
          callback(error);
          return;
        }
        callback();
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            this.received.push({ parsed, envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address) });
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The messages to `address`, in the order they arrived. */
  to(address: string): ParsedMail[] {
    return this.received.filter((mail) => mail.envelopeTo.includes(address)).map((mail) => mail.parsed);
  }
}

/** The token of a dashboard link in a message's text: /#verify=…, /#reset=…, /#invitation=…. */
export function linkIn(mail: ParsedMail, fragment: 'verify' | 'reset' | 'invitation'): string {
  const token = new RegExp(`#${fragment}=(pg[a-z]_[0-9A-Za-z]+)`).exec(mail.text ?? '')?.[1];
  if (!token) throw new Error(`no #${fragment}= link in "${mail.subject}"`);
  return token;
}
