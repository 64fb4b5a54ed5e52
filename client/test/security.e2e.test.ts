// Security on the dashboard, in a real headless Chromium against the real server: turning on
// two-factor sign-in with a code made from the key the page shows (as an authenticator app makes
// it), the recovery codes shown once, signing in with the password and then a code, and revoking
// another session from the list.
import { generate } from 'otplib';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { launchBrowser } from './browser.js';
import { expectAccessible } from './axe.js';

const PASSWORD = 'correct horse battery';
let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** The code an authenticator app shows `stepsAhead` steps of 30 s from now. */
const codeFor = (secret: string, stepsAhead = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 });

async function signedInPage(session: string): Promise<Page> {
  await browser.clearCookies();
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  const opened = await browser.newPage();
  opened.setDefaultTimeout(30_000);
  await opened.goto(url);
  await opened.getByRole('heading', { name: 'Security' }).waitFor();
  return opened;
}

describe('two-factor sign-in on the dashboard', () => {
  it('turns on with a code from the key shown, shows ten recovery codes once, then sign-in asks for a code', async () => {
    const { session, email } = await t.signUp();
    page = await signedInPage(session);
    const security = page.getByRole('region', { name: 'Security' });
    // the password is asked again
    await security.getByLabel('Your password').fill('not the password');
    await security.getByRole('button', { name: 'Turn on two-factor' }).click();
    await security.getByRole('alert').filter({ hasText: 'not your current password' }).waitFor();
    await security.getByLabel('Your password').fill(PASSWORD);
    await security.getByRole('button', { name: 'Turn on two-factor' }).click();
    await security.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    const secret = (await security.locator('.two-factor-secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await expectAccessible(page, 'two-factor enrolment');

    // a wrong code is refused with the reason, and nothing is turned on
    await security.getByLabel('Code from the app').fill('000000');
    await security.getByRole('button', { name: 'Confirm and turn on' }).click();
    await security.getByRole('alert').filter({ hasText: 'That code is not valid' }).waitFor();
    await security.getByLabel('Code from the app').fill(await codeFor(secret));
    await security.getByRole('button', { name: 'Confirm and turn on' }).click();
    const recovery = security.getByRole('region', { name: 'Recovery codes' });
    await recovery.waitFor();
    const recoveryCodes = await recovery.locator('code').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    await expectAccessible(page, 'recovery codes');
    await recovery.getByRole('button', { name: 'I saved them' }).click();
    await security.getByText('10 recovery codes left').waitFor();

    // signed out, the password alone asks for the code; the app's next code signs in
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const codeField = page.getByLabel('Two-factor code');
    await codeField.waitFor();
    // focus moves to the field the user must fill next
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('twoFactorCode');
    await expectAccessible(page, 'sign-in asking for the two-factor code');
    await codeField.fill(await codeFor(secret, 1));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Security' }).waitFor();
    // the section reads the person's state once it is shown: wait for it, not for a fixed moment
    await page.getByRole('region', { name: 'Security' }).getByText(/^On: signing in asks for a code/).waitFor();
    await page.close();
  });
});

describe('sessions on the dashboard', () => {
  it('lists the sessions with where and what they signed in with, and revokes another one', async () => {
    const { session, email } = await t.signUp();
    const other = await t.gql('mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { sessionToken } }', { email, password: PASSWORD }, { 'user-agent': 'deploy-script/2.0' });
    const otherSession = other.data.signIn.sessionToken as string;
    page = await signedInPage(session);
    const sessions = page.getByRole('region', { name: 'Security' }).locator('.sessions');
    const otherRow = sessions.locator('tr', { hasText: 'deploy-script/2.0' });
    await otherRow.waitFor();
    expect(await sessions.getByText('This session').count()).toBe(1);
    await expectAccessible(page, 'sessions');
    await otherRow.getByRole('button', { name: 'Revoke' }).click();
    await otherRow.waitFor({ state: 'detached' });
    const refused = await t.gql('{ viewer { id } }', {}, bearer(otherSession));
    expect(refused.errors?.[0]?.extensions?.code).toBe('SESSION_EXPIRED');
    await page.close();
  });
});
