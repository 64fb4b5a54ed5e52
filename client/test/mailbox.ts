// The server's dev mailbox (/dev/mailbox, served without SMTP_URL, as in these tests): the browser
// tests read a person's mail there and open its links in the page, as the person would. Delivery
// runs on a timer, so every read waits for its message; nothing waits for a fixed time.
import type { Page } from 'playwright-core';

export interface MailboxMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  messageId: string;
  sentAt: string;
}

/** How often the test server delivers mail (MAIL_POLL_MS): often, so that a test waits little. */
export const MAIL_POLL_MS = 200;

export const VERIFY_SUBJECT = /^Verify your e-mail/;
export const RESET_SUBJECT = /^Reset your Pogodoc password/;

/** Every message delivered so far, newest first. */
export async function mailbox(baseUrl: string): Promise<MailboxMessage[]> {
  const response = await fetch(`${baseUrl}/dev/mailbox`);
  if (!response.ok) throw new Error(`/dev/mailbox answered ${response.status}`);
  return ((await response.json()) as { messages: MailboxMessage[] }).messages;
}

/** The messages to `address` whose subject matches, newest first. */
export async function mailTo(baseUrl: string, address: string, subject: RegExp): Promise<MailboxMessage[]> {
  return (await mailbox(baseUrl)).filter((message) => message.to === address && subject.test(message.subject));
}

/**
 * Waits until a message to `address` with a matching subject arrives that is not one of `seen`
 * (message ids, for a message sent after those), and returns the newest such message.
 */
export async function nextMail(baseUrl: string, address: string, subject: RegExp, { seen = [] as string[], timeoutMs = 30_000 } = {}): Promise<MailboxMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await mailTo(baseUrl, address, subject)).find((message) => !seen.includes(message.messageId));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no new message to ${address} matching ${subject} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The dashboard link of a kind in a message's text: <PUBLIC_URL>/#verify=…, /#reset=…, /#invitation=…. */
export function dashboardLink(message: MailboxMessage, fragment: 'verify' | 'reset' | 'invitation'): URL {
  const link = new RegExp(`https?://\\S+#${fragment}=[0-9A-Za-z_]+`).exec(message.text)?.[0];
  if (!link) throw new Error(`no #${fragment}= link in "${message.subject}"`);
  return new URL(link);
}

/**
 * Opens a link from a message in the page. The link starts with the server's PUBLIC_URL, fixed
 * before the test server chose its port (0): its path and fragment are opened on the server the
 * test started, as the link would be on a deployed one.
 */
export async function openLink(page: Page, baseUrl: string, link: URL): Promise<void> {
  await page.goto(`${baseUrl}${link.pathname}${link.hash}`);
}
