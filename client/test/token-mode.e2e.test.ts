// Test-mode tokens on the API Tokens page, in a real headless Chromium against the real server,
// with the keyboard alone: the create form's mode choice (Live unless changed, with what test mode
// means tied to it), a pgd_test_ secret revealed as a test token's, the "Test" badge in its row (a
// word, not a colour), and its mode in its details. A document made with the secret over HTTP, as
// an integration makes it, carries the watermark and moves the token's count live, but not the
// account's period meter: a test token uses no quota. axe-core finds nothing in light and dark.
// Every wait is on a condition, never a fixed sleep.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_MODE_WATERMARK } from '../../server/src/domain/token-modes.js';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';

let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  page = await browser.newPage();
  // a step that hangs names its locator before the test's own timeout ends it
  page.setDefaultTimeout(30_000);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

interface Focused {
  id: string;
  /** The accessible name as a test reads it: aria-label, else its label's or its own text. */
  name: string;
  type: string;
  value: string;
  checked: boolean;
  inDetails: boolean;
}

const focused = (): Promise<Focused> =>
  page.evaluate(() => {
    const element = document.activeElement as HTMLInputElement | null;
    const label = element?.closest('label')?.textContent ?? element?.textContent ?? '';
    return {
      id: element?.id ?? '',
      name: (element?.getAttribute('aria-label') ?? label).trim(),
      type: element?.getAttribute('type') ?? element?.tagName.toLowerCase() ?? '',
      value: element?.value ?? '',
      checked: Boolean(element?.checked),
      inDetails: Boolean(element?.closest('[data-testid="token-details"]')),
    };
  });

/** Presses Tab until the focused element is the one described, as a keyboard user would. */
async function tabTo(description: string, matches: (element: Focused) => boolean, most = 120) {
  for (let presses = 0; presses <= most; presses++) {
    if (matches(await focused())) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${most} presses of Tab never reached ${description} (focus is on "${(await focused()).name}")`);
}

/** One document as an integration makes it: over HTTP, with the secret as a Bearer token. */
async function renderOverHttp(secret: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(secret) },
    body: JSON.stringify({ query: 'mutation { renderDocument(template: "Hi", data: {}) { content testMode } }' }),
  });
  return { status: response.status, body: (await response.json()) as { data?: { renderDocument: { content: string; testMode: boolean } }; errors?: unknown } };
}

describe('a test-mode token', () => {
  it('is made, revealed, listed and detailed as a test token with the keyboard alone; its documents are watermarked and leave the period meter alone', { timeout: 120_000 }, async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
    await page.goto(url);
    await page.getByText(/^Plan: /).waitFor();
    const meter = page.getByTestId('period-usage');
    await meter.filter({ hasText: /^0 of 10,000 documents this month/ }).waitFor();

    // from the page's start: Tab reaches the mode choice, Live unless changed, described by what test mode is
    await page.locator('#page-title').focus();
    await tabTo('the mode choice', (element) => element.type === 'radio');
    expect(await focused()).toMatchObject({ name: 'Live', value: 'LIVE', checked: true });
    const group = page.getByRole('group', { name: 'Mode' });
    expect(await group.getAttribute('aria-describedby')).toBe('token-mode-hint');
    const hint = (await page.getByTestId('token-mode-hint').textContent())!;
    expect(hint).toContain('pgd_test_');
    expect(hint).toContain('watermarked, use no quota');
    // an arrow key chooses Test
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toMatchObject({ name: 'Test', value: 'TEST', checked: true });
    await expectAccessible(page, 'the create form with Test chosen');

    // then name, expiry, Generate, as for any token
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('token-name');
    await page.keyboard.type('CI suite');
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('token-expiry');
    await page.keyboard.press('Tab');
    expect((await focused()).name).toBe('More options');
    await page.keyboard.press('Tab');
    expect((await focused()).name).toBe('Generate');
    await page.keyboard.press('Enter');
    // the summary comes in between, with focus on its heading: its Generate makes the token
    await page.waitForFunction(() => document.activeElement?.id === 'create-token-review-title');
    await tabTo('the summary’s Generate', (element) => element.name === 'Generate');
    await page.keyboard.press('Enter');

    // the reveal: a pgd_test_ secret, said to be a test token's, with snippets that say so too
    const secretCell = page.getByTestId('secret');
    await secretCell.waitFor();
    const secret = (await secretCell.textContent())!.trim();
    expect(secret).toMatch(/^pgd_test_/);
    expect(await page.getByRole('heading', { name: 'Your new test token “CI suite”' }).count()).toBe(1);
    expect(await page.getByTestId('reveal-test-mode').textContent()).toContain('documents made with it are watermarked and use no quota');
    expect(await page.locator('.secret').getByTestId('snippet-env').locator('pre').textContent()).toContain('# a test token: documents are watermarked and use no quota');
    expect(await page.locator('.secret').getByTestId('snippet-curl').locator('pre').textContent()).toContain('testMode');
    await expectAccessible(page, 'the reveal of a test token');

    // the server made a test token, and the form is back at Live for the next one
    const listed = await t.gql('{ tokens(status: ACTIVE) { id name mode } }', {}, bearer(session));
    const token = listed.data.tokens.find((row: { name: string }) => row.name === 'CI suite');
    expect(token.mode).toBe('TEST');
    await tabTo('"I have saved it"', (element) => element.name === 'I have saved it');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'token-name');
    expect(await page.getByRole('radio', { name: 'Live' }).isChecked()).toBe(true);

    // its row says "Test" in words (and what that means to a screen reader)
    const row = page.getByTestId('tokens-ACTIVE').locator(`tr[data-token-id="${token.id}"]`);
    const badge = row.getByTestId('row-test-mode');
    await badge.waitFor();
    expect(await badge.innerText()).toMatch(/^Test/);
    expect(await badge.textContent()).toBe('Test: a test token, its documents are watermarked and use no quota');
    await expectAccessible(page, 'a test token in the Active tab');

    // its details, by keyboard: the mode and what it means, and the test mode's rate limit
    await tabTo('the Details button of the row', (element) => element.name === 'Details of CI suite');
    await page.keyboard.press('Enter');
    const details = page.getByTestId('token-details');
    await details.getByRole('heading', { name: /CI suite/ }).waitFor();
    const mode = (await details.getByTestId('details-mode').textContent())!;
    expect(mode).toMatch(/^Test\. /);
    expect(mode).toContain('watermarked, use no quota');
    const { data } = await t.gql('query($id: ID!) { token(id: $id) { rateLimit { perSecond perMinute } } }', { id: token.id }, bearer(session));
    expect(data.token.rateLimit).toEqual({ perSecond: 10, perMinute: 300 });
    expect(await details.getByTestId('rate-limit-effective').textContent()).toBe("Now: 300 a minute, 10 a second (test mode's).");
    await expectAccessible(page, 'the details of a test token');

    // a document made with the secret over HTTP: watermarked, and marked as a test document
    const made = await renderOverHttp(secret);
    expect(made.status).toBe(200);
    expect(made.body.errors).toBeUndefined();
    expect(made.body.data!.renderDocument.testMode).toBe(true);
    expect(made.body.data!.renderDocument.content).toBe(`${TEST_MODE_WATERMARK}\nHi`);

    // the token's live count moves (so the live update has reached the page) ...
    await row.getByTestId('document-count').filter({ hasText: /^1$/ }).waitFor();
    // ... and the period meter has not: no quota used, in the page or on the server
    expect(await meter.textContent()).toMatch(/^0 of 10,000 documents this month/);
    const period = await t.gql('{ viewer { currentPeriod { used } } }', {}, bearer(session));
    expect(period.data.viewer.currentPeriod.used).toBe(0);

    // Escape closes the details, and focus goes back to the row's button
    await page.keyboard.press('Escape');
    await details.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Details of CI suite');
  });
});
