// E-mail on the dashboard, in a real headless Chromium against the real server, with the mail read
// from the server's dev mailbox and its links opened in the page as the person would: the banner of
// an unverified address and its "Send the link again", verification links (the newest works, an
// older one says why not, with or without a session), "Forgot your password?" and the reset page,
// and the Notifications section (preferences, security notices always on, changing the address).
import type { Page } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';
import { dashboardLink, MAIL_POLL_MS, nextMail, openLink, RESET_SUBJECT, VERIFY_SUBJECT } from './mailbox.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a new and longer passphrase';
let t: TestApp;
let url: string;
let browser: BrowserContext;
let runs = 0;

beforeAll(async () => {
  // mail delivered as a running server delivers it, on its own timer (the API suites turn it off)
  t = await createTestApp({ mailPollMs: MAIL_POLL_MS });
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const freshAddress = (what: string) => `${what}-${process.pid}-${++runs}-${Date.now()}@example.com`;

async function newPage(session?: string): Promise<Page> {
  await browser.clearCookies();
  if (session) await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  const page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(url);
  await page.getByRole('heading', { name: session ? 'Security' : 'Sign in' }).waitFor();
  return page;
}

const focused = (page: Page) => page.evaluate(() => ({ id: document.activeElement?.id, name: (document.activeElement as HTMLInputElement | null)?.name, text: document.activeElement?.textContent?.trim() }));

async function emailState(session: string): Promise<{ email: string; emailVerified: boolean }> {
  const result = await t.gql('{ me { email emailVerified } }', {}, bearer(session));
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.me;
}

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

describe('verifying the address', () => {
  it('after sign-up a banner asks to verify; a new link stops the first; following it verifies, and the banner goes', async () => {
    const email = freshAddress('banner');
    const page = await newPage();
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).first().click();
    const banner = page.getByRole('region', { name: 'E-mail verification' });
    await banner.getByText(`Verify your e-mail address ${email}: we sent you a link.`).waitFor();
    await expectAccessible(page, 'the verification banner');

    // the sign-up's message, then a new one on request: its link replaces the first
    const first = await nextMail(url, email, VERIFY_SUBJECT);
    await banner.getByRole('button', { name: 'Send the link again' }).click();
    await banner.getByRole('status').filter({ hasText: `We sent a new link to ${email}.` }).waitFor();
    const second = await nextMail(url, email, VERIFY_SUBJECT, { seen: [first.messageId] });
    expect(dashboardLink(second, 'verify').hash).not.toBe(dashboardLink(first, 'verify').hash);

    // the first link says why it does not work and what to do; the fragment leaves the address bar
    const outcome = page.getByTestId('verify-outcome');
    await openLink(page, url, dashboardLink(first, 'verify'));
    await outcome.getByRole('alert').filter({ hasText: 'This verification link does not work' }).waitFor();
    expect(await outcome.getByRole('alert').textContent()).toContain('use \u201cSend the link again\u201d at the top of the page');
    expect(new URL(page.url()).hash).toBe('');
    expect(await banner.isVisible()).toBe(true);
    await expectAccessible(page, 'a verification link that does not work');

    // the newest link verifies, and the banner goes without a reload
    await openLink(page, url, dashboardLink(second, 'verify'));
    await outcome.getByRole('status').filter({ hasText: 'Your e-mail address is verified.' }).waitFor();
    await banner.waitFor({ state: 'detached' });
    expect(new URL(page.url()).hash).toBe('');
    const session = (await browser.cookies(url)).find((cookie) => cookie.name === 'pogodoc_session')!.value;
    expect(await emailState(session)).toEqual({ email, emailVerified: true });
    await page.getByRole('region', { name: 'Notifications' }).getByText('Verified', { exact: true }).waitFor();
    // dismissed, focus goes to the top of the page rather than to the end of the document
    await outcome.getByRole('button', { name: 'Dismiss' }).click();
    await outcome.waitFor({ state: 'detached' });
    await expect.poll(async () => (await focused(page)).id).toBe('page-title');
    await page.close();
  }, 60_000);

  it('"Send the link again" says in words when the links of the hour are used up', async () => {
    const { session, email } = await t.signUp({ verified: false });
    // the hour's links, used up elsewhere (another tab, a script)
    for (;;) {
      const sent = await t.gql('mutation { sendVerificationEmail }', {}, bearer(session));
      if (sent.errors?.[0]?.extensions?.code === 'RATE_LIMITED') break;
      expect(sent.errors).toBeUndefined();
    }
    const page = await newPage(session);
    const banner = page.getByRole('region', { name: 'E-mail verification' });
    await banner.getByText(`Verify your e-mail address ${email}`).waitFor();
    await banner.getByRole('button', { name: 'Send the link again' }).click();
    const refused = banner.getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/^Too many verification e-mails .+\. Try again in about \d+ minutes\.$/);
    expect(await banner.getByRole('status').textContent()).toBe('');
    await expectAccessible(page, 'the verification banner, rate-limited');
    await page.close();
  }, 60_000);

  it('a verification link works without a session, and says to sign in', async () => {
    const { session, email } = await t.signUp({ verified: false });
    const message = await nextMail(url, email, VERIFY_SUBJECT);
    const page = await newPage();
    await openLink(page, url, dashboardLink(message, 'verify'));
    const outcome = page.getByTestId('verify-outcome');
    await outcome.getByRole('status').filter({ hasText: 'Your e-mail address is verified.' }).waitFor();
    expect(await outcome.getByRole('status').textContent()).toContain('Sign in to continue.');
    expect(new URL(page.url()).hash).toBe('');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await emailState(session)).toEqual({ email, emailVerified: true });
    await expectAccessible(page, 'a verification link followed without a session');
    await page.close();
  }, 60_000);
});

describe('resetting a forgotten password', () => {
  it('asks for a link with the same answer for any address; the link sets a new password; the old one and the old sessions stop working', async () => {
    const { session: oldSession, email } = await t.signUp();
    const page = await newPage();
    const forgotButton = page.getByRole('button', { name: 'Forgot your password?' });
    await forgotButton.click();
    const forgot = page.getByRole('region', { name: 'Reset your password' });
    await expect.poll(async () => (await focused(page)).id).toBe('forgot-title');
    const answer = forgot.getByRole('status');
    const SAME_ANSWER = 'If an account has this address, we sent it a link (valid 1 hour).';
    // an address without an account: the same answer (it says nothing about which addresses have one)
    await forgot.getByLabel('Email').fill(freshAddress('nobody'));
    await forgot.getByRole('button', { name: 'Send the link' }).click();
    await answer.filter({ hasText: SAME_ANSWER }).waitFor();
    await forgot.getByLabel('Email').fill(email);
    await forgot.getByRole('button', { name: 'Send the link' }).click();
    await answer.filter({ hasText: SAME_ANSWER }).waitFor();
    await expectAccessible(page, 'forgot your password');
    // back to the sign-in form, focus on what opened the form
    await forgot.getByRole('button', { name: 'Back to sign in' }).click();
    await expect.poll(async () => (await focused(page)).text).toBe('Forgot your password?');

    // the link from the mail opens the reset page; the fragment leaves the address bar
    const message = await nextMail(url, email, RESET_SUBJECT);
    const link = dashboardLink(message, 'reset');
    await openLink(page, url, link);
    const reset = page.getByRole('region', { name: 'Choose a new password' });
    await reset.waitFor();
    expect(new URL(page.url()).hash).toBe('');
    await expect.poll(async () => (await focused(page)).id).toBe('reset-title');
    await expectAccessible(page, 'the reset page');
    // two different passwords: said in words, nothing sent
    await reset.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await reset.getByLabel('Confirm the new password').fill(`${NEW_PASSWORD}!`);
    await reset.getByRole('button', { name: 'Set the new password' }).click();
    await reset.getByRole('alert').filter({ hasText: 'The two passwords differ.' }).waitFor();
    expect(await reset.getByLabel('Confirm the new password').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'the reset page with two different passwords');
    await reset.getByLabel('Confirm the new password').fill(NEW_PASSWORD);
    await reset.getByRole('button', { name: 'Set the new password' }).click();

    // done: the sign-in form says so, and every earlier session has ended
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'Your password was changed, and every session of your account was signed out.' }).waitFor();
    expect((await t.gql('{ viewer { id } }', {}, bearer(oldSession))).errors?.[0]?.extensions?.code).toBe('SESSION_EXPIRED');

    // the link works once
    await openLink(page, url, link);
    await reset.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await reset.getByLabel('Confirm the new password').fill(NEW_PASSWORD);
    await reset.getByRole('button', { name: 'Set the new password' }).click();
    await reset.getByRole('alert').filter({ hasText: 'This reset link does not work' }).waitFor();
    await reset.getByRole('button', { name: 'Cancel' }).click();

    // the old password is refused, the new one signs in
    await signIn(page, email, PASSWORD);
    await page.getByRole('alert').filter({ hasText: 'The email or password is incorrect.' }).waitFor();
    await signIn(page, email, NEW_PASSWORD);
    await page.getByRole('heading', { name: 'Security' }).waitFor();
    expect(await page.locator('.account-email').textContent()).toBe(email);
    await page.close();
  }, 60_000);

  it('a reset opened in a page signed in to the account signs that page out, and says why', async () => {
    const { session, email } = await t.signUp();
    const page = await newPage(session);
    expect((await t.gql('mutation($email: String!) { requestPasswordReset(email: $email) }', { email })).data?.requestPasswordReset).toBe(true);
    const message = await nextMail(url, email, RESET_SUBJECT);
    await openLink(page, url, dashboardLink(message, 'reset'));
    const reset = page.getByRole('region', { name: 'Choose a new password' });
    await reset.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await reset.getByLabel('Confirm the new password').fill(NEW_PASSWORD);
    await reset.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // the reason the form gives is the reset, not an expired session
    const notice = page.getByRole('region', { name: 'Sign in' }).getByRole('alert');
    await notice.waitFor();
    expect(await notice.textContent()).toBe('Your password was changed, and every session of your account was signed out. Sign in with your new password.');
    await signIn(page, email, NEW_PASSWORD);
    await page.getByRole('heading', { name: 'Security' }).waitFor();
    await page.close();
  }, 60_000);
});

describe('the Notifications section', () => {
  it('turns QUOTA_WARNING off and on, keeps security notices on, and changes the address, which must then be verified', async () => {
    const { session, email } = await t.signUp();
    const page = await newPage(session);
    const notifications = page.getByRole('region', { name: 'Notifications' });
    const preference = async (kind: string) =>
      ((await t.gql('{ notificationPreferences { kind enabled } }', {}, bearer(session))).data.notificationPreferences as Array<{ kind: string; enabled: boolean }>).find(
        (entry) => entry.kind === kind,
      )?.enabled;

    // a security notice: checked, and cannot be changed
    const leaked = notifications.getByRole('checkbox', { name: 'A token was found in public and revoked (always sent)', exact: true });
    await leaked.waitFor();
    expect(await leaked.isChecked()).toBe(true);
    expect(await leaked.isDisabled()).toBe(true);
    await expectAccessible(page, 'the Notifications section');

    // QUOTA_WARNING off: saved, and still off after a reload
    const warning = notifications.getByRole('checkbox', { name: 'Usage nears the plan\u2019s monthly documents', exact: true });
    await warning.uncheck();
    await notifications.getByRole('status').filter({ hasText: 'Off: usage nears' }).waitFor();
    await expect.poll(() => preference('QUOTA_WARNING')).toBe(false);
    await page.reload();
    await warning.waitFor();
    expect(await warning.isChecked()).toBe(false);
    expect(await leaked.isChecked()).toBe(true);
    // and on again
    await warning.check();
    await expect.poll(() => preference('QUOTA_WARNING')).toBe(true);
    await page.reload();
    await warning.waitFor();
    expect(await warning.isChecked()).toBe(true);

    // the address: changing it asks for the password, and the new one must be verified
    const newEmail = freshAddress('moved');
    const opener = notifications.getByRole('button', { name: 'Change e-mail' });
    await opener.click();
    expect(await opener.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(async () => (await focused(page)).name).toBe('newEmail');
    await notifications.getByLabel('New e-mail address').fill(newEmail);
    await notifications.getByLabel('Your current password').fill('not the password');
    await notifications.getByRole('button', { name: 'Save the new address' }).click();
    await notifications.getByRole('alert').filter({ hasText: 'That is not your current password.' }).waitFor();
    await expectAccessible(page, 'the change e-mail form');
    await notifications.getByLabel('Your current password').fill(PASSWORD);
    await notifications.getByRole('button', { name: 'Save the new address' }).click();
    await notifications.getByRole('status').filter({ hasText: `Your address is now ${newEmail}.` }).waitFor();
    // focus goes back to what opened the form
    await expect.poll(async () => (await focused(page)).text).toBe('Change e-mail');
    expect(await emailState(session)).toEqual({ email: newEmail, emailVerified: false });
    const banner = page.getByRole('region', { name: 'E-mail verification' });
    await banner.getByText(`Verify your e-mail address ${newEmail}: we sent you a link.`).waitFor();
    // the header shows the person's address: the answer updated it too
    await expect.poll(() => page.locator('.account-email').textContent()).toBe(newEmail);
    expect(email).not.toBe(newEmail);
    const message = await nextMail(url, newEmail, VERIFY_SUBJECT);
    await openLink(page, url, dashboardLink(message, 'verify'));
    await banner.waitFor({ state: 'detached' });
    expect(await emailState(session)).toEqual({ email: newEmail, emailVerified: true });
    await page.close();
  }, 60_000);
});
