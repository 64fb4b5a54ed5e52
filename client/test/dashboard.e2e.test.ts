// The API Tokens page in a real headless Chromium, against the real server on a fresh SQLite file,
// with the SDK making documents as an integrator would. The page is loaded through a TCP proxy the
// test controls (tcp-proxy.ts), so it can cut the connection as a server restart would. Every state
// the page passes through is checked with axe-core in light and dark at 1280 px, and at 375 px.
// Screenshots are kept in client/test/artifacts/ (git-ignored).
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// the SDK from its source, as the package builds it (sdk/test/packed-package.test.ts tests the packed build)
import { PogodocClient, PogodocTokenError } from '../../sdk/src/index.js';
import { createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { axeViolations } from './axe.js';
import { launchBrowser } from './browser.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const ARTIFACTS = path.resolve('client/test/artifacts');
const WIDE = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 800 };
let t: TestApp;
let serverUrl: string;
let proxy: TcpProxy;
let url: string;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  t = await createTestApp();
  serverUrl = await t.app.start(0, '127.0.0.1');
  proxy = await startTcpProxy(new URL(serverUrl));
  url = proxy.url;
  browser = await launchBrowser();
  await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  page = await browser.newPage();
  // a step that hangs names its locator before the test's own timeout ends it
  page.setDefaultTimeout(30_000);
  await page.setViewportSize(WIDE);
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await t?.close();
});

const countCell = (name: string) => page.locator('tr', { has: page.locator('th', { hasText: name }) }).getByTestId('document-count');
const connection = () => page.getByTestId('connection');
const focusedText = () => page.evaluate(() => document.activeElement?.textContent ?? '');
const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');

async function generateInForm(name: string) {
  await page.getByLabel('Token name').fill(name);
  await page.getByLabel('Token name').press('Enter');
  // the summary comes in between: its Generate makes the token
  await page.getByRole('button', { name: 'Generate' }).click();
}

const audited: string[] = [];
/**
 * axe-core on the state on screen: light and dark, at 1280 px and at 375 px. No violation
 * at the moderate, serious or critical level; `screenshots` keeps the light and dark wide views
 * and the phone view.
 */
async function audit(state: string, { screenshots = false } = {}) {
  const found: Record<string, unknown> = {};
  for (const [scheme, viewport, label] of [
    ['light', WIDE, 'light-1280'],
    ['dark', WIDE, 'dark-1280'],
    ['light', PHONE, 'light-375'],
    ['dark', PHONE, 'dark-375'],
  ] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize(viewport);
    const violations = await axeViolations(page);
    if (violations.length) found[label] = violations;
    if (screenshots) await page.screenshot({ path: path.join(ARTIFACTS, `${state}-${label}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(WIDE);
  expect(found, `axe-core violations in the "${state}" state`).toEqual({});
  audited.push(state);
}

describe('the API Tokens page', () => {
  let secret: string;
  let worker: string;

  it('signs up with the password rule shown first, is prompted to choose a plan with prices and quotas, and chooses the free plan', async () => {
    await page.goto(url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // the audit can fail: an unlabelled field added for a moment is reported
    await page.evaluate(() => document.querySelector('main')!.insertAdjacentHTML('beforeend', '<input id="axe-probe">'));
    expect((await axeViolations(page)).map((violation) => violation.id)).toContain('label');
    await page.evaluate(() => document.getElementById('axe-probe')!.remove());
    // the theme follows prefers-color-scheme
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(await background()).toBe('rgb(246, 247, 249)');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).toBe('rgb(20, 23, 28)');
    await page.emulateMedia({ colorScheme: 'light' });
    await audit('signed-out', { screenshots: true });
    await page.getByRole('button', { name: 'Sign up' }).click();
    // the rule is on screen before any submit, and tied to the field
    expect(await page.getByText('At least 8 characters.').isVisible()).toBe(true);
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-describedby')).toBe('password-rule');
    await audit('sign-up');
    await page.getByLabel('Email').fill('e2e@example.com');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign up' }).first().click();
    await page.getByRole('heading', { name: 'Choose a plan first' }).waitFor();
    // no token can be generated before a plan is chosen
    expect(await page.getByRole('button', { name: 'Generate' }).isDisabled()).toBe(true);
    const cards = await page.getByTestId('plan-picker').locator('.plan').allTextContents();
    expect(cards).toEqual([
      'Free$0 / month100 documents / month',
      'Pro$29 / month10,000 documents / month',
      'Business$99 / monthUnlimited documents',
    ]);
    await audit('plan-prompt', { screenshots: true });
    await page.getByRole('button', { name: /Free/ }).click();
    await page.getByText('Plan: Free').waitFor();
    expect(await page.getByRole('button', { name: 'Generate' }).isDisabled()).toBe(false);
    // focus goes on to the next step, not back to the top of the page
    await page.waitForFunction(() => document.activeElement?.id === 'token-name');
    await audit('empty-list');
  });

  it('enforces the 1-20 character name rule as you type, with the reason, without announcing every keystroke', async () => {
    const input = page.getByLabel('Token name');
    const announcement = page.getByTestId('name-announcement');
    // the counter is described by the field (read on focus), not a live region
    const hint = page.locator('#token-name-hint');
    expect(await hint.getAttribute('aria-live')).toBeNull();
    expect(await hint.getAttribute('role')).toBeNull();
    await input.pressSequentially('abc');
    await page.getByText('3/20 characters').waitFor();
    expect(await announcement.textContent()).toBe('');
    await input.fill('x'.repeat(21));
    await page.getByText('Maximum length is 20 characters (this name has 21).').waitFor();
    expect(await announcement.textContent()).toBe('Maximum length is 20 characters.');
    await input.press('x');
    await page.getByText('(this name has 22)').waitFor();
    // the live region says the same as before, so nothing new is announced for the extra character
    expect(await announcement.textContent()).toBe('Maximum length is 20 characters.');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    await input.press('Enter');
    await input.fill('   ');
    await page.locator('#token-name-hint', { hasText: 'Enter a descriptive name (1-20 characters).' }).waitFor();
    await input.fill('🔑'.repeat(20));
    await page.getByText('20/20 characters').waitFor();
    expect(await input.getAttribute('aria-invalid')).toBe('false');
    // inputs are not bold (they used to inherit the label's weight)
    expect(await input.evaluate((element) => getComputedStyle(element).fontWeight)).toBe('400');
    await input.fill('');
    // nothing was created by the refused attempts
    expect(await page.getByTestId('empty').textContent()).toContain('No active tokens yet');
  });

  it('generates a token with Enter, shows the secret once with ready-to-copy snippets that work', async () => {
    await generateInForm('Production');
    const shown = await page.getByTestId('secret').textContent();
    await page.getByText('Copied to your clipboard.').waitFor();
    secret = await page.evaluate(() => navigator.clipboard.readText());
    expect(secret).toBe(shown);
    expect(secret).toMatch(/^pgd_[0-9A-Za-z]{36}$/);
    expect(await page.getByText('This is the only time you will see this token.').isVisible()).toBe(true);

    const reveal = page.locator('.secret');
    const env = await reveal.getByTestId('snippet-env').locator('pre').textContent();
    expect(env).toBe(`# .env file\nPOGODOC_API_TOKEN=${secret}\nPOGODOC_API_URL=${url}`);
    const sdk = await reveal.getByTestId('snippet-sdk').locator('pre').textContent();
    expect(sdk).toContain('import { PogodocClient } from "pogodoc";');
    expect(sdk).toContain('new PogodocClient({\n  token: process.env.POGODOC_API_TOKEN!,\n});');
    // each snippet has its own copy button
    await reveal.getByTestId('snippet-curl').getByRole('button', { name: 'Copy' }).click();
    await reveal.getByTestId('snippet-curl').getByText('Copied.').waitFor();
    const curl = await page.evaluate(() => navigator.clipboard.readText());
    expect(curl).toBe(await reveal.getByTestId('snippet-curl').locator('pre').textContent());
    expect(curl.startsWith(`curl ${url}/graphql`)).toBe(true);
    // the curl command, as copied, works against this server
    const { stdout } = await promisify(execFile)('sh', ['-c', curl]);
    expect(JSON.parse(stdout)).toEqual({ data: { renderDocument: { content: 'Hello Ada', documentCount: 1 } } });

    await audit('reveal', { screenshots: true });
    await page.getByRole('button', { name: 'I have saved it' }).click();
    expect(await page.getByTestId('secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await countCell('Production').waitFor();
    // focus returns to the name field, ready for the next token
    await page.waitForFunction(() => document.activeElement?.id === 'token-name');
    // the help section keeps the snippets (with a placeholder) and the product page's troubleshooting
    const help = page.locator('section', { has: page.getByRole('heading', { name: 'Use your API token' }) });
    expect(await help.getByTestId('snippet-env').locator('pre').textContent()).toContain('POGODOC_API_TOKEN=your_generated_token_here');
    expect(await help.getByRole('button', { name: 'Copy' }).count()).toBe(3);
    const troubleshooting = await help.locator('.troubleshooting').innerText();
    for (const line of [
      'Token not working',
      "Check that you're including the token correctly in API requests",
      'Confirm your subscription is active and in good standing',
      'Verify the token is still active (not deleted)',
      'Token generation failed',
      'Maximum length is 20 characters',
      "Ensure you're subscribed to a valid plan",
      "Verify you haven't reached the 10-token limit",
    ]) {
      expect(troubleshooting).toContain(line);
    }
  });

  it('counts documents made through the SDK live on the page, without a reload', async () => {
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    const pogodoc = new PogodocClient({ token: secret, baseUrl: serverUrl });
    await page.waitForFunction(() => document.querySelector('[data-testid="document-count"]')?.textContent === '1');
    expect(await connection().textContent()).toBe('Live');
    for (let i = 2; i <= 3; i++) {
      const rendered = await pogodoc.renderDocument({ template: 'Invoice {{ n }}', data: { n: i } });
      expect(rendered).toMatchObject({ content: `Invoice ${i}`, documentCount: i });
      await page.waitForFunction(
        ([expected]) => document.querySelector('[data-testid="document-count"]')?.textContent === expected,
        [String(i)],
      );
    }
    expect(navigations).toEqual([]);
    // relative times, with the exact time on hover (title) and on focus
    const created = page.getByTestId('tokens-ACTIVE').locator('time').first();
    expect(await created.evaluate((element) => element.childNodes[0]!.textContent)).toMatch(/^(just now|1 minute ago)$/);
    const exact = await created.getAttribute('title');
    expect(exact).toContain(String(new Date().getFullYear()));
    // the exact time is read by screen readers, and shown beside the relative one on focus
    const exactShown = created.locator('.exact-time');
    expect(await exactShown.textContent()).toBe(` (${exact})`);
    expect((await exactShown.boundingBox())!.width).toBeLessThanOrEqual(1);
    await created.focus();
    expect((await exactShown.boundingBox())!.width).toBeGreaterThan(20);
    await audit('list', { screenshots: true });
  });

  it('resumes live counts after the connection is cut, says so meanwhile, and catches up on what changed', async () => {
    const pogodoc = new PogodocClient({ token: secret, baseUrl: serverUrl });
    const session = (await browser.cookies(url)).find((cookie) => cookie.name === 'pogodoc_session')!.value;
    proxy.cut();
    await page.getByText('Reconnecting…').waitFor();
    expect(await connection().getAttribute('role')).toBe('status');
    await page.screenshot({ path: path.join(ARTIFACTS, 'reconnecting-light-1280.png') });
    // an action during the outage fails with the reason
    await generateInForm('Doomed');
    await page.getByText('The Pogodoc API could not be reached').waitFor();
    // meanwhile the server moves on: a document is made and a token is generated elsewhere
    await pogodoc.renderDocument({ template: 'During the outage', data: {} });
    await t.generateToken(session, 'During outage');
    await page.getByText('Offline').waitFor();
    await audit('offline', { screenshots: true });
    expect(await countCell('Production').textContent()).toBe('3');

    proxy.restore();
    await connection().getByText('Live').waitFor({ timeout: 20_000 });
    await countCell('During outage').waitFor();
    await countCell('Production').getByText('4', { exact: true }).waitFor();
    // the error about the outage is gone now that it is no longer true
    await page.getByText('The Pogodoc API could not be reached').waitFor({ state: 'detached' });
    // and counts keep flowing on the new connection
    await pogodoc.renderDocument({ template: 'After', data: {} });
    await countCell('Production').getByText('5', { exact: true }).waitFor();
  });

  it('refuses the 11th token with the product\'s message, and says so before the user tries', async () => {
    // seven more through the form (Production and "During outage" exist)
    for (let i = 3; i <= 9; i++) {
      await generateInForm(`Token ${i}`);
      await page.getByRole('button', { name: 'I have saved it' }).click();
    }
    // the 10th is made behind the page's back (another tab) just as the page asks for the 11th. The
    // lists are live, so a token made any earlier would close the form before the page could ask:
    // the other tab's token is made when the page's request reaches the service
    const session = (await browser.cookies(url)).find((cookie) => cookie.name === 'pogodoc_session')!.value;
    const tokens = t.app.services.apiTokens;
    const generate = tokens.generateToken;
    tokens.generateToken = async (...args: Parameters<typeof generate>) => {
      tokens.generateToken = generate;
      await t.generateToken(session, 'Other tab');
      return generate.apply(tokens, args);
    };
    await generateInForm('Eleventh');
    const refusal = await page.getByTestId('generate-error').textContent();
    expect(refusal).toContain('Token generation failed: you have reached the 10-token limit.');
    // and the page heard of the other tab's token: it says so without a reload
    await page.getByTestId('limit-notice').waitFor();
    // on the next visit the page says it up front, and the form is closed
    await page.reload();
    await page.getByTestId('limit-notice').waitFor();
    expect(await page.getByTestId('limit-notice').textContent()).toContain('You have 10 active tokens');
    expect(await page.getByRole('button', { name: 'Generate' }).isDisabled()).toBe(true);
    await audit('at-the-limit');
  });

  it('sorts by name, created, last used and documents, and filters by name', async () => {
    const names = () => page.getByTestId('tokens-ACTIVE').locator('tbody th').allTextContents();
    await page.getByRole('button', { name: 'Name' }).click();
    const byName = await names();
    expect(byName).toEqual([...byName].sort((a, b) => a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' })));
    expect(await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort')).toBe('ascending');
    await page.getByRole('button', { name: 'Documents' }).click();
    expect((await names())[0]).toBe('Production');
    expect(await page.getByRole('columnheader', { name: 'Documents' }).getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('button', { name: 'Last used' }).click();
    expect((await names())[0]).toBe('Production');
    await page.getByRole('button', { name: 'Created' }).click();
    expect((await names()).at(-1)).toBe('Production');
    await page.getByRole('button', { name: 'Created' }).click();
    expect((await names())[0]).toBe('Production');
    await page.getByLabel('Filter by name').fill('token');
    expect((await names()).sort()).toEqual(['Token 3', 'Token 4', 'Token 5', 'Token 6', 'Token 7', 'Token 8', 'Token 9']);
    await page.getByLabel('Filter by name').fill('nothing like it');
    await page.getByText('No token name contains “nothing like it”.').waitFor();
    await page.getByLabel('Filter by name').fill('');
    expect(await names()).toHaveLength(10);
    // on a phone, where rows are cards, the sort buttons stay
    await page.setViewportSize(PHONE);
    expect(await page.getByRole('button', { name: 'Documents' }).isVisible()).toBe(true);
    await page.setViewportSize(WIDE);
  });

  it('deletes with confirmation, warns about a token in use, keeps the dialog open when the delete fails, and returns focus', async () => {
    const tabCounts = async () => [
      await page.getByRole('tab', { name: /Active/ }).textContent(),
      await page.getByRole('tab', { name: /Deleted/ }).textContent(),
    ];
    expect(await tabCounts()).toEqual(['Active 10', 'Deleted 0']);
    const deleteProduction = page.getByRole('button', { name: 'Delete Production' });
    // Cancel and Escape give focus back to the Delete button
    await deleteProduction.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Delete Production');
    await deleteProduction.click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Delete Production');

    await deleteProduction.click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Delete “Production”?');
    expect(await dialog.textContent()).toContain('This cannot be undone.');
    // used in the last 7 days: a warning with when
    expect(await dialog.getByTestId('recent-use-warning').textContent()).toMatch(/last used (just now|1 minute ago)/);
    await audit('delete-dialog', { screenshots: true });
    // the delete fails (server unreachable): the dialog stays, with the reason
    proxy.cut();
    await dialog.getByRole('button', { name: 'Delete token' }).click();
    await dialog.getByTestId('dialog-error').waitFor();
    expect(await dialog.getByTestId('dialog-error').textContent()).toContain('could not be reached');
    expect(await dialog.isVisible()).toBe(true);
    proxy.restore();
    await connection().getByText('Live').waitFor({ timeout: 20_000 });
    // errors clear when they stop being true
    await dialog.getByTestId('dialog-error').waitFor({ state: 'detached' });
    await dialog.getByRole('button', { name: 'Delete token' }).click();
    await deleteProduction.waitFor({ state: 'detached' });
    await page.getByText('Deleted “Production”. It stops working now and is listed in the Deleted tab.').waitFor();
    // focus lands on the list the row left, not the top of the page
    await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'tabpanel');
    expect(await tabCounts()).toEqual(['Active 9', 'Deleted 1']);
    // keyboard: the arrow key moves to the Deleted tab
    await page.getByRole('tab', { name: /Active/ }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: /Deleted/ }).getAttribute('aria-selected')).toBe('true');
    const deletedRow = page.getByTestId('tokens-DELETED').locator('tr', { hasText: 'Production' });
    await deletedRow.waitFor();
    expect(await deletedRow.getByTestId('document-count').textContent()).toBe('5');
    await audit('deleted-tab', { screenshots: true });
    // a slot is free again
    await page.getByRole('tab', { name: /Active/ }).click();
    expect(await page.getByRole('button', { name: 'Generate' }).isDisabled()).toBe(false);

    const pogodoc = new PogodocClient({ token: secret, baseUrl: serverUrl });
    const failure = await pogodoc.renderDocument({ template: 'x', data: {} }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PogodocTokenError);
    expect(failure).toMatchObject({ code: 'API_TOKEN_DELETED', status: 401 });
    // a cut connection and its reconnection (every live feed of the page comes back) take their time on a busy machine
  }, 90_000);

  it('changes the plan after confirming a paid one, and cancelling pauses the tokens with a warning and the reason', async () => {
    await generateInForm('Worker');
    worker = (await page.getByTestId('secret').textContent())!;
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await countCell('Worker').waitFor();
    await page.getByRole('button', { name: 'Change plan' }).click();
    await page.getByRole('button', { name: /Business/ }).click();
    const confirm = page.getByRole('dialog');
    expect(await confirm.textContent()).toContain('Choose Business for $99 / month?');
    expect(await confirm.textContent()).toContain('unlimited documents');
    // nothing changes until confirmed
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('heading', { name: 'Change plan' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: /Business/ }).click();
    await confirm.getByRole('button', { name: 'Choose Business' }).click();
    await page.getByText('Plan: Business').waitFor();
    // focus returns to the button that started the change
    await page.waitForFunction(() => document.activeElement?.id === 'change-plan');

    await page.getByRole('button', { name: 'Cancel plan' }).click();
    expect(await confirm.textContent()).toContain('Your API tokens will stop working.');
    await confirm.getByRole('button', { name: 'Cancel plan' }).click();
    await page.getByRole('heading', { name: 'Choose a plan again' }).waitFor();
    // the tokens are not "Active": the tab and a notice say they are paused, and why (the server's words)
    const paused = await page.getByTestId('tokens-paused').textContent();
    expect(paused).toContain('Your tokens are paused.');
    expect(paused).toContain('The plan of this account was cancelled, so its API tokens do not work.');
    expect(await page.getByRole('tab', { name: /Paused/ }).getAttribute('aria-selected')).toBe('true');
    const refused = await new PogodocClient({ token: worker, baseUrl: serverUrl })
      .renderDocument({ template: 'x', data: {} })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'PLAN_REQUIRED', status: 401 });
    await audit('tokens-paused', { screenshots: true });
    // choosing a plan again brings them back
    await page.getByRole('button', { name: /Free/ }).click();
    await page.getByText('Plan: Free').waitFor();
    expect(await page.getByTestId('tokens-paused').count()).toBe(0);
    expect(await page.getByRole('tab', { name: /Active/ }).isVisible()).toBe(true);
  });

  it('on SESSION_EXPIRED over the WebSocket, shows sign-in with a notice, keeps the place, and resumes live counts after sign-in', async () => {
    await page.getByLabel('Filter by name').fill('Work');
    await page.getByRole('tab', { name: /Deleted/ }).click();
    await page.getByRole('tab', { name: /Active/ }).click();
    // the session ends while the page watches (signed out elsewhere): the server ends the live
    // subscription with SESSION_EXPIRED, and the page makes no HTTP request of its own meanwhile
    const session = (await browser.cookies(url)).find((cookie) => cookie.name === 'pogodoc_session')!.value;
    const requests: string[] = [];
    const onRequest = (request: { url(): string }) => requests.push(request.url());
    page.on('request', onRequest);
    await t.gql('mutation { signOut }', {}, { authorization: `Bearer ${session}` });
    await page.getByText('Your session has expired. Sign in again to manage your tokens.').waitFor();
    expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(await focusedText()).toBe('Sign in');
    page.off('request', onRequest);
    expect(requests).toEqual([]);
    await audit('expired', { screenshots: true });
    await page.getByLabel('Email').fill('e2e@example.com');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await countCell('Worker').waitFor();
    // the user's place is kept: the filter is as it was
    expect(await page.getByLabel('Filter by name').inputValue()).toBe('Work');
    const rendered = await new PogodocClient({ token: worker, baseUrl: serverUrl }).renderDocument({ template: 'x', data: {} });
    expect(rendered.documentCount).toBe(1);
    await countCell('Worker').getByText('1', { exact: true }).waitFor();
  });

  it('on SESSION_EXPIRED over HTTP, shows sign-in with a notice and keeps the place', async () => {
    await page.getByRole('tab', { name: /Deleted/ }).click();
    await t.app.database.prisma.session.deleteMany({});
    // an action answered with SESSION_EXPIRED over HTTP
    await page.getByRole('button', { name: 'Change plan' }).click();
    await page.getByRole('button', { name: /Pro/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Choose Pro' }).click();
    // the dialog gives way to the sign-in form (a modal would keep the form inert)
    await page.locator('dialog').waitFor({ state: 'detached' });
    await page.getByText('Your session has expired. Sign in again to manage your tokens.').waitFor();
    await page.getByLabel('Email').fill('e2e@example.com');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // back where the user was: the plan cards open, the Deleted tab, the filter; nothing was chosen
    await page.getByRole('heading', { name: 'Change plan' }).waitFor();
    expect(await page.getByRole('button', { name: /Free/ }).textContent()).toContain('Your plan');
    expect(await page.getByRole('tab', { name: /Deleted/ }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByLabel('Filter by name').inputValue()).toBe('Work');
    expect(await connection().textContent()).toBe('Live');
    await page.getByRole('button', { name: 'Keep my plan' }).click();
  });

  it('has no horizontal scroll at 375 and 320 px, whatever the email', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('button', { name: 'Sign up' }).click();
    const email = `a.very.long.name.for.testing.wrapping@${'x'.repeat(8)}.example.com`;
    expect(email.length).toBeGreaterThanOrEqual(51);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign up' }).first().click();
    // the new account's plan prompt, then its plan taken, as the first test does: in a fresh-clone
    // run beside a CPU hog the name field stayed disabled (no plan) for 30 s after a click on Free
    await page.getByTestId('plan-picker').waitFor();
    await page.getByRole('button', { name: /Free/ }).click();
    await page.getByText('Plan: Free').waitFor();
    await generateInForm('Phone');
    await page.getByTestId('secret').waitFor();
    for (const width of [375, 320]) {
      await page.setViewportSize({ width, height: 800 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `horizontal overflow at ${width} px`).toBeLessThanOrEqual(0);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'reveal-light-320-long-email.png'), fullPage: true });
    await page.setViewportSize(WIDE);
  });

  it('has a favicon', async () => {
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    const response = await fetch(new URL(href!, url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('image/svg+xml');
  });

  it('checked every state with axe-core', () => {
    expect(audited).toEqual([
      'signed-out',
      'sign-up',
      'plan-prompt',
      'empty-list',
      'reveal',
      'list',
      'offline',
      'at-the-limit',
      'delete-dialog',
      'deleted-tab',
      'tokens-paused',
      'expired',
    ]);
  });
});
