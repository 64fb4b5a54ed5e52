// Making a token with more than a name ("The dashboard, second version"), in a real headless
// Chromium against the real server:
// - with the keyboard alone: "More options" opens the scopes, the IP allowlist and the monthly
//   limit; the summary says all of them before anything is made, Back (and Escape) return focus to
//   where it was, Generate makes the token and shows its secret once, and the API has what was
//   chosen (scopes, allowlist, limit), which then applies;
// - generateToken takes all of it in one call: its refusals of an allowlist entry, a limit and a
//   scope set, sent by the summary's Generate, bring the form back with the server's words under
//   their field, tied to it and focused, and nothing is made;
// - a plan downgraded between the summary and Generate, under the limit asked for: the same
//   refusal at the limit (More options opened to show it), and nothing is made;
// - the form offers every scope of the schema, in the schema's words;
// - axe-core finds nothing in the form with its options open, nor in the summary, light and dark.
// Each part signs up its own account; every wait is on a condition, never a fixed sleep.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, type GraphQLEnumType } from 'graphql';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';

const DAY = 24 * 3600_000;
// screenshots for people, kept with the other suites' (git-ignored)
const ARTIFACTS = path.resolve('client/test/artifacts');
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
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** The create card alone: the rest of the page is other suites' to show. */
const screenshot = (name: string) =>
  page.locator('section[aria-labelledby="generate-title"]').screenshot({ path: path.join(ARTIFACTS, `create-token-${name}.png`) });

/** A fresh account on a plan, opened in the page. */
async function openAs(plan: string) {
  const { session } = await t.signUp({ plan });
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  await page.goto(url);
  await page.getByText(/^Plan: /).waitFor();
  return session;
}

interface Focused {
  id: string;
  /** The accessible name as a test reads it: aria-label, else its label's or its own text. */
  name: string;
  type: string;
  value: string;
  checked: boolean;
  expanded: string | null;
  inReview: boolean;
}

const focused = (): Promise<Focused> =>
  page.evaluate(() => {
    const element = document.activeElement as HTMLInputElement | null;
    const label = element?.labels?.[0]?.textContent ?? element?.textContent ?? '';
    return {
      id: element?.id ?? '',
      name: (element?.getAttribute('aria-label') ?? label).trim(),
      type: element?.getAttribute('type') ?? element?.tagName.toLowerCase() ?? '',
      value: element?.value ?? '',
      checked: Boolean(element?.checked),
      expanded: element?.getAttribute('aria-expanded') ?? null,
      inReview: Boolean(element?.closest('[data-testid="create-token-review"]')),
    };
  });

/** Presses Tab until the focused element is the one described, as a keyboard user would. */
async function tabTo(description: string, matches: (element: Focused) => boolean, most = 60) {
  for (let presses = 0; presses <= most; presses++) {
    if (matches(await focused())) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${most} presses of Tab never reached ${description} (focus is on "${(await focused()).name}")`);
}

interface StoredToken {
  id: string;
  name: string;
  scopes: string[];
  allowedIps: string[];
  monthlyDocumentLimit: number | null;
  expiresAt: string | null;
}

async function activeTokens(session: string): Promise<StoredToken[]> {
  const result = await t.gql('{ tokens(status: ACTIVE) { id name scopes allowedIps monthlyDocumentLimit expiresAt } }', {}, bearer(session));
  expect(result.errors).toBeUndefined();
  return result.data.tokens;
}

/** A document made with the secret from an address, as a proxy in front of the server would say it. */
const renderFrom = (secret: string, address: string) =>
  t.gql('mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, { ...bearer(secret), 'x-forwarded-for': address });

const review = () => page.getByTestId('create-token-review');
/** Nothing scrolls the page sideways on a 320 px phone. */
async function expectNoSidewaysScrollAt320(state: string) {
  await page.setViewportSize({ width: 320, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `sideways scroll at 320 px: ${state}`).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1100, height: 900 });
}
const listItems = (testId: string) => review().getByTestId(testId).locator('li').allTextContents();

/** The form's Generate, then the summary's: what the server answers is to the one call that makes the token. */
async function generateThroughSummary() {
  await page.locator('form.generate').getByRole('button', { name: 'Generate' }).click();
  await review().waitFor();
  await review().getByRole('button', { name: 'Generate' }).click();
}

/** Back at the form after a refusal: the summary gone, the form shown, no secret. */
async function expectBackAtForm() {
  await review().waitFor({ state: 'detached' });
  expect(await page.locator('form.generate').isVisible()).toBe(true);
  expect(await page.getByTestId('secret').count()).toBe(0);
}

describe('making a token with its scopes, IP allowlist and monthly limit', () => {
  it('with the keyboard alone: More options, a summary that says everything, Back, then Generate; the API has them all', { timeout: 120_000 }, async () => {
    const session = await openAs('pro');
    await page.locator('#page-title').focus();
    await tabTo('the token name', (element) => element.id === 'token-name');
    await page.keyboard.type('Reporting job');
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('token-expiry');

    // "More options", closed: what it holds is said beside it
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ name: 'More options', expanded: 'false' });
    const toggle = page.getByRole('button', { name: 'More options' });
    expect(await toggle.getAttribute('aria-describedby')).toBe('create-token-more-what');
    expect(await page.locator('#create-token-more-what').textContent()).toBe('Scopes, IP allowlist, monthly document limit');
    expect(await page.locator('#create-token-more').isVisible()).toBe(false);
    await page.keyboard.press('Enter');
    expect(await focused()).toMatchObject({ name: 'More options', expanded: 'true' });
    await page.locator('#create-token-more').waitFor();

    // the scopes: making documents, the default, is ticked; Space ticks two more
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ type: 'checkbox', value: 'DOCUMENTS_RENDER', checked: true });
    expect(await page.getByRole('group', { name: 'Scopes' }).getAttribute('aria-describedby')).toBe('token-scopes-hint');
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ type: 'checkbox', value: 'USAGE_READ', checked: false });
    await page.keyboard.press('Space');
    expect((await focused()).checked).toBe(true);
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ type: 'checkbox', value: 'TOKENS_READ', checked: false });
    await page.keyboard.press('Space');

    // the allowlist, one entry a line (Enter is a new line here, not a submit), then the limit
    await tabTo('the IP allowlist', (element) => element.id === 'token-allowed-ips');
    expect((await focused()).name).toBe('IP allowlist');
    await page.keyboard.type('203.0.113.0/24');
    await page.keyboard.press('Enter');
    await page.keyboard.type('2001:db8::/48');
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ id: 'token-monthly-limit', name: 'Monthly document limit' });
    await page.keyboard.type('2500');
    await expectAccessible(page, 'the create form with More options open');
    await screenshot('more-options');
    await expectNoSidewaysScrollAt320('the create form with More options open');

    // Generate: the summary first, with focus on its heading; nothing is made yet
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ name: 'Generate', inReview: false });
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'create-token-review-title');
    expect(await page.getByRole('heading', { name: 'Review the new token' }).count()).toBe(1);
    expect(await page.locator('form.generate').isVisible()).toBe(false);
    expect(await review().getByTestId('review-name').textContent()).toBe('Reporting job');
    expect(await review().getByTestId('details-mode').textContent()).toMatch(/^Live\. /);
    expect(await review().getByTestId('review-expiry').textContent()).toMatch(/^Expires in 90 days, on .+\.$/);
    expect(await listItems('review-scopes')).toEqual([
      'DOCUMENTS_RENDER: Make documents with renderDocument',
      'USAGE_READ: Read usage and the current billing period',
      'TOKENS_READ: List and read the account’s tokens (never a secret)',
    ]);
    expect(await listItems('review-allowlist')).toEqual(['203.0.113.0/24', '2001:db8::/48']);
    expect(await review().getByTestId('review-limit').textContent()).toBe('2,500 documents a month');
    expect(await activeTokens(session)).toEqual([]);
    await expectAccessible(page, 'the summary');
    await screenshot('summary');
    await expectNoSidewaysScrollAt320('the summary');

    // Back returns to the form as it was, focus on the Generate that was pressed
    await tabTo('Back', (element) => element.name === 'Back');
    expect((await focused()).inReview).toBe(true);
    await page.keyboard.press('Enter');
    await review().waitFor({ state: 'detached' });
    expect(await focused()).toMatchObject({ name: 'Generate', inReview: false });
    expect(await page.getByLabel('Monthly document limit').inputValue()).toBe('2500');
    expect(await page.getByLabel('IP allowlist').inputValue()).toBe('203.0.113.0/24\n2001:db8::/48');
    expect(await page.getByRole('checkbox', { name: /USAGE_READ/ }).isChecked()).toBe(true);
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    // and Escape does the same
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'create-token-review-title');
    await page.keyboard.press('Escape');
    await review().waitFor({ state: 'detached' });
    expect(await focused()).toMatchObject({ name: 'Generate', inReview: false });
    expect(await activeTokens(session)).toEqual([]);

    // Generate, then the summary's Generate: the token with all of it, in one call, then its secret
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'create-token-review-title');
    await tabTo('the summary’s Generate', (element) => element.name === 'Generate' && element.inReview);
    const before = Date.now();
    await page.keyboard.press('Enter');
    const secretCell = page.getByTestId('secret');
    await secretCell.waitFor();
    const secret = (await secretCell.textContent())!.trim();
    expect(secret).toMatch(/^pgd_[0-9A-Za-z]{36}$/);
    await page.waitForFunction(() => document.activeElement?.id === 'secret-title');
    expect(await page.getByTestId('reveal-expiry').textContent()).toMatch(/\(in 90 days\)\.$/);

    // the server holds what the summary said
    const [token] = await activeTokens(session);
    expect(token).toMatchObject({
      name: 'Reporting job',
      allowedIps: ['203.0.113.0/24', '2001:db8::/48'],
      monthlyDocumentLimit: 2500,
    });
    expect([...token!.scopes].sort()).toEqual(['DOCUMENTS_RENDER', 'TOKENS_READ', 'USAGE_READ']);
    expect(Date.parse(token!.expiresAt!)).toBeGreaterThanOrEqual(before + 90 * DAY - 60_000);
    // and it applies: a document from an allowed address is made, one from elsewhere refused
    expect((await renderFrom(secret, '203.0.113.7')).errors).toBeUndefined();
    expect((await renderFrom(secret, '198.51.100.7')).errors?.[0]?.extensions?.code).toBe('API_TOKEN_IP_NOT_ALLOWED');

    // done: back to the name, and the next token starts from the defaults, options closed
    await tabTo('"I have saved it"', (element) => element.name === 'I have saved it');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'token-name');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    expect(await page.getByRole('checkbox', { name: /USAGE_READ/ }).isChecked()).toBe(false);
    expect(await page.getByRole('checkbox', { name: /DOCUMENTS_RENDER/ }).isChecked()).toBe(true);
    expect(await page.getByLabel('IP allowlist').inputValue()).toBe('');
    expect(await page.getByLabel('Monthly document limit').inputValue()).toBe('');
  });

  it('refuses a bad allowlist entry, a limit over the plan and no scope at their fields after the summary, with the server’s words, and makes nothing', { timeout: 90_000 }, async () => {
    const session = await openAs('free');
    await page.getByLabel('Token name').fill('Nightly export');
    await page.getByRole('button', { name: 'More options' }).click();
    const allowlist = page.getByLabel('IP allowlist');
    const allowlistError = page.getByTestId('token-allowed-ips-error');

    // nothing is asked of the server before the summary: it shows the entry as typed
    await allowlist.fill('203.0.113.0/24\nbanana');
    await page.locator('form.generate').getByRole('button', { name: 'Generate' }).click();
    await review().waitFor();
    expect(await listItems('review-allowlist')).toEqual(['203.0.113.0/24', 'banana']);
    // the summary's Generate: refused, back to the form, the message at the field, focus there
    await review().getByRole('button', { name: 'Generate' }).click();
    await allowlistError.waitFor();
    await expectBackAtForm();
    expect(await allowlistError.textContent()).toBe('"banana" is not an IP address or CIDR range, like 203.0.113.0/24 or 2001:db8::/48.');
    expect(await allowlist.getAttribute('aria-invalid')).toBe('true');
    expect(await allowlist.getAttribute('aria-describedby')).toBe('token-allowed-ips-error token-allowed-ips-hint');
    await page.waitForFunction(() => document.activeElement?.id === 'token-allowed-ips');
    expect(await activeTokens(session)).toEqual([]);
    await expectAccessible(page, 'a refused allowlist entry');
    await screenshot('refused-allowlist');

    // another of the server's rules, in its words; the message goes once the field changes
    await allowlist.fill('10.0.0.1/8');
    await allowlistError.waitFor({ state: 'detached' });
    expect(await allowlist.getAttribute('aria-invalid')).toBe('false');
    await generateThroughSummary();
    await allowlistError.filter({ hasText: '"10.0.0.1/8" has bits set past its /8 prefix. Did you mean 10.0.0.0/8?' }).waitFor();
    await expectBackAtForm();
    await page.waitForFunction(() => document.activeElement?.id === 'token-allowed-ips');
    expect(await activeTokens(session)).toEqual([]);

    // a limit over the Free plan's quota
    await allowlist.fill('10.0.0.0/8');
    const limit = page.getByLabel('Monthly document limit');
    await limit.fill('500');
    await generateThroughSummary();
    const limitError = page.getByTestId('token-monthly-limit-error');
    await limitError.waitFor();
    await expectBackAtForm();
    expect(await limitError.textContent()).toBe("The monthly document limit can be at most your plan's quota of 100 documents; 500 is more.");
    expect(await limit.getAttribute('aria-invalid')).toBe('true');
    expect(await limit.getAttribute('aria-describedby')).toBe('token-monthly-limit-error token-monthly-limit-hint');
    await page.waitForFunction(() => document.activeElement?.id === 'token-monthly-limit');
    expect(await activeTokens(session)).toEqual([]);

    // a limit that is not a whole number is the form's to refuse, before the summary
    await limit.fill('2.5');
    await limitError.waitFor({ state: 'detached' });
    await page.locator('form.generate').getByRole('button', { name: 'Generate' }).click();
    await limitError.filter({ hasText: 'Enter a whole number of documents, or leave it empty for no limit of its own.' }).waitFor();
    expect(await review().count()).toBe(0);
    expect((await focused()).id).toBe('token-monthly-limit');

    // no scope at all
    await limit.fill('50');
    await page.getByRole('checkbox', { name: /DOCUMENTS_RENDER/ }).uncheck();
    await generateThroughSummary();
    const scopesError = page.getByTestId('token-scopes-error');
    await scopesError.waitFor();
    await expectBackAtForm();
    expect(await scopesError.textContent()).toMatch(/^Choose at least one scope for the token: /);
    expect(await page.getByRole('group', { name: 'Scopes' }).getAttribute('aria-describedby')).toBe('token-scopes-error token-scopes-hint');
    await page.waitForFunction(() => (document.activeElement as HTMLInputElement | null)?.value === 'DOCUMENTS_RENDER');
    await expectAccessible(page, 'refused scopes');

    // nothing was made by any of them
    expect(await activeTokens(session)).toEqual([]);
    expect(await page.getByTestId('secret').count()).toBe(0);

    // put right, it goes through: the summary, then the token with what was asked
    await page.keyboard.press('Space');
    await scopesError.waitFor({ state: 'detached' });
    await page.locator('form.generate').getByRole('button', { name: 'Generate' }).click();
    await review().waitFor();
    expect(await review().getByTestId('review-limit').textContent()).toBe('50 documents a month');
    await review().getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('secret').waitFor();
    const [token] = await activeTokens(session);
    expect(token).toMatchObject({ name: 'Nightly export', allowedIps: ['10.0.0.0/8'], monthlyDocumentLimit: 50, scopes: ['DOCUMENTS_RENDER'] });
    await page.getByRole('button', { name: 'I have saved it' }).click();
  });

  it('refuses the limit at its field, opening More options, when the plan is downgraded under it during the summary, and makes nothing', { timeout: 60_000 }, async () => {
    const session = await openAs('pro');
    await page.getByLabel('Token name').fill('Batch');
    const toggle = page.getByRole('button', { name: 'More options' });
    await toggle.click();
    const limit = page.getByLabel('Monthly document limit');
    await limit.fill('5000');
    // closed again: the refusal has to open it to show its field
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await page.locator('form.generate').getByRole('button', { name: 'Generate' }).click();
    await review().waitFor();
    expect(await review().getByTestId('review-limit').textContent()).toBe('5,000 documents a month');
    // meanwhile the plan changes elsewhere, to one whose quota is under the limit asked for
    const chosen = await t.gql('mutation { choosePlan(planId: "free") { id } }', {}, bearer(session));
    expect(chosen.errors).toBeUndefined();
    await review().getByRole('button', { name: 'Generate' }).click();

    const limitError = page.getByTestId('token-monthly-limit-error');
    await limitError.waitFor();
    await expectBackAtForm();
    expect(await limitError.textContent()).toBe("The monthly document limit can be at most your plan's quota of 100 documents; 5000 is more.");
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await limit.getAttribute('aria-invalid')).toBe('true');
    await page.waitForFunction(() => document.activeElement?.id === 'token-monthly-limit');
    // one transaction: no token without its limit
    expect(await activeTokens(session)).toEqual([]);
    await expectAccessible(page, 'a limit refused after a downgrade');

    // within the new quota, it goes through with the limit set
    await limit.fill('100');
    await limitError.waitFor({ state: 'detached' });
    await generateThroughSummary();
    await page.getByTestId('secret').waitFor();
    const [token] = await activeTokens(session);
    expect(token).toMatchObject({ name: 'Batch', monthlyDocumentLimit: 100 });
    await page.getByRole('button', { name: 'I have saved it' }).click();
  });

  it('offers every scope of the schema, in the first words of its description', async () => {
    const schema = buildSchema(readFileSync(path.resolve('schema.graphql'), 'utf8'));
    const values = (schema.getType('TokenScope') as GraphQLEnumType).getValues();
    await openAs('pro');
    await page.getByRole('button', { name: 'More options' }).click();
    const offered = await page.getByTestId('token-scopes').locator('label').evaluateAll((labels) =>
      labels.map((label) => ({
        scope: label.querySelector('input')!.value,
        words: label.querySelector('span')!.firstChild!.textContent!.trim(),
      })),
    );
    expect(offered.map((one) => one.scope).sort()).toEqual(values.map((value) => value.name).sort());
    for (const { scope, words } of offered) {
      expect(values.find((value) => value.name === scope)!.description, scope).toMatch(new RegExp(`^${words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));
    }
  });

  // last in the file: the browser's clock stays 30 days ahead from here on
  it('returns to the form when the server refuses what the summary showed: the name and the expiry at their fields, with focus, and nothing made', { timeout: 60_000 }, async () => {
    const session = await openAs('pro');
    const name = page.getByLabel('Token name');
    // a zero-width space: 7 characters to the form's count, refused by the server's name rule
    await name.fill('Night\u200bly');
    await name.press('Enter');
    await review().waitFor();
    await review().getByRole('button', { name: 'Generate' }).click();
    const nameError = page.getByTestId('token-name-error');
    await nameError.waitFor();
    expect(await nameError.textContent()).toMatch(/^The token name contains .+ at character 6\), which would hide or garble the name/);
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.getAttribute('aria-describedby')).toBe('token-name-error token-name-hint');
    expect((await focused()).id).toBe('token-name');
    expect(await review().count()).toBe(0);
    await expectAccessible(page, 'a name refused after the summary');
    await name.fill('Nightly');
    await nameError.waitFor({ state: 'detached' });

    // a browser clock 30 days ahead of the server's: its "1 year" is more than 365 days away there
    await page.clock.setFixedTime(Date.now() + 30 * DAY);
    const expiry = page.getByLabel('Expiration');
    await expiry.selectOption({ label: '1 year' });
    await page.getByRole('button', { name: 'Generate' }).click();
    await review().getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('expiry-hint').filter({ hasText: 'A token can expire at most 365 days ahead. Choose an earlier date, or "never".' }).waitFor();
    expect(await expiry.getAttribute('aria-invalid')).toBe('true');
    expect((await focused()).id).toBe('token-expiry');
    expect(await activeTokens(session)).toEqual([]);
  });
});
