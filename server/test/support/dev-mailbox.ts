// The dev mailbox of a server started without SMTP_URL (/dev/mailbox): what a developer reads
// there, a test reads too, to follow a link as the person would.
import { httpGql } from './http-client.js';

interface MailboxMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/**
 * The newest message to `address` whose subject matches, waiting up to `timeoutMs` for it to be
 * delivered. Each instance keeps the messages it sent in its own dev mailbox, and any instance may
 * send a message of the shared outbox: every instance's mailbox is read.
 */
export async function mailTo(baseUrls: string | readonly string[], address: string, subject: RegExp, timeoutMs = 30_000): Promise<MailboxMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const baseUrl of typeof baseUrls === 'string' ? [baseUrls] : baseUrls) {
      const response = await fetch(`${baseUrl}/dev/mailbox`);
      if (!response.ok) throw new Error(`/dev/mailbox of ${baseUrl} answered ${response.status}`);
      const { messages } = (await response.json()) as { messages: MailboxMessage[] };
      const found = messages.find((message) => message.to === address && subject.test(message.subject));
      if (found) return found;
    }
    if (Date.now() > deadline) throw new Error(`no message to ${address} matching ${subject} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The token of a dashboard link in a message: /#verify=…, /#reset=…, /#invitation=…. */
export function linkToken(text: string, fragment: 'verify' | 'reset' | 'invitation'): string {
  const token = new RegExp(`#${fragment}=(pg[a-z]_[0-9A-Za-z]+)`).exec(text)?.[1];
  if (!token) throw new Error(`no #${fragment}= link in the message`);
  return token;
}

/** Follows the verification link a sign-up made at `baseUrl` sent (found in any of `mailboxes`). */
export async function verifyThroughDevMailbox(baseUrl: string, address: string, mailboxes: readonly string[] = [baseUrl]): Promise<void> {
  const message = await mailTo(mailboxes, address, /^Verify your e-mail/);
  const result = await httpGql(baseUrl, 'mutation($token: String!) { verifyEmail(token: $token) }', { token: linkToken(message.text, 'verify') });
  if (!result.data?.verifyEmail) throw new Error(`verifyEmail failed: ${JSON.stringify(result.errors)}`);
}
