// A token's expiry changed after it was made (changeTokenExpiry), in its Details, in a real
// headless Chromium against the real server:
// - the setting says the expiry now, in words; a 7-day token is extended to a date of one's own,
//   with the keyboard, and the server holds the end of that day;
// - "never", with its warning tied to the field, leaves the token with no expiry;
// - a missing or out-of-range date is caught before sending; a date the server refuses (a browser
//   clock ahead of the server's makes "1 year" more than 365 days away) shows the server's
//   message at the field, which it describes, with focus there, and changes nothing;
// - axe-core finds nothing in each state, light and dark.
// Every wait is on a condition, never a fixed sleep.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';

const DAY = 24 * 3600_000;
const ARTIFACTS = path.resolve('client/test/artifacts');
let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;
let session: string;
let tokenId: string;
let details: Locator;
let setting: Locator;

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  page = await browser.newPage();
  // a step that hangs names its locator before the test's own timeout ends it
  page.setDefaultTimeout(30_000);
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const screenshot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `token-expiry-change-${name}.png`) });

const focused = () =>
  page.evaluate(() => {
    const element = document.activeElement;
    return {
      id: element?.id ?? '',
      name: (element?.getAttribute('aria-label') ?? element?.textContent ?? '').trim(),
      inDetails: Boolean(element?.closest('[data-testid="token-details"]')),
    };
  });

/** Presses Tab until the focused element is the one described, as a keyboard user would. */
async function tabTo(description: string, matches: (element: Awaited<ReturnType<typeof focused>>) => boolean, most = 120) {
  for (let presses = 0; presses <= most; presses++) {
    if (matches(await focused())) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${most} presses of Tab never reached ${description} (focus is on "${(await focused()).name}")`);
}

/** The exact time as the page writes it (formatDateTime in relative-time.tsx: the browser's locale). */
const exactTime = (iso: string) =>
  page.evaluate((at) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(at)), iso);

/** A day `days` ahead in the browser's time zone: as the date field takes it, and its last millisecond. */
const dayAhead = (days: number) =>
  page.evaluate((ahead) => {
    const day = new Date(Date.now() + ahead * 24 * 3600_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    return {
      value: `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`,
      endOfDay: new Date(day.getFullYear(), day.getMonth(), day.getDate(), 23, 59, 59, 999).toISOString(),
    };
  }, days);

async function storedExpiry(): Promise<string | null> {
  const result = await t.gql('query($id: ID!) { token(id: $id) { expiresAt } }', { id: tokenId }, bearer(session));
  expect(result.errors).toBeUndefined();
  return result.data.token.expiresAt;
}

describe('changing the expiry of a token in its Details', () => {
  it('extends a 7-day token to a date, with the keyboard; the server holds the end of that day', { timeout: 90_000 }, async () => {
    ({ session } = await t.signUp({ plan: 'pro' }));
    const made = await t.gql('mutation { generateToken(name: "Weekly export", expiresIn: DAYS_7) { token { id expiresAt } } }', {}, bearer(session));
    expect(made.errors).toBeUndefined();
    tokenId = made.data.generateToken.token.id;
    const sevenDays: string = made.data.generateToken.token.expiresAt;
    await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
    await page.goto(url);

    const opener = page.getByRole('button', { name: 'Details of Weekly export' });
    await opener.focus();
    await page.keyboard.press('Enter');
    details = page.getByTestId('token-details');
    setting = details.getByTestId('expiry-setting');
    await setting.waitFor();
    expect(await setting.getByRole('heading').textContent()).toBe('Expiry');
    expect(await setting.getByTestId('expiry-setting-now').textContent()).toBe(`Now: Expires on ${await exactTime(sevenDays)} (in 7 days).`);

    // Tab to the new expiry; the arrow keys choose "Custom date…", and its date field appears
    await tabTo('the new expiry', (element) => element.id === 'change-expiry');
    const select = setting.getByLabel('New expiry');
    expect(await select.inputValue()).toBe('DAYS_90');
    expect(await select.getAttribute('aria-describedby')).toBe('change-expiry-hint');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await select.inputValue()).toBe('CUSTOM');
    const date = setting.getByLabel('Last day it works');
    await date.waitFor();
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('change-expiry-date');
    const chosen = await dayAhead(30);
    await date.fill(chosen.value);
    await setting.getByTestId('expiry-hint').filter({ hasText: 'at the end of that day' }).waitFor();
    await expectAccessible(page, 'Details with a custom expiry date chosen');
    // (Tab moves through the date field's month, day and year first)
    await tabTo('Change expiry', (element) => element.name === 'Change expiry');
    await page.keyboard.press('Enter');

    const saved = setting.getByTestId('expiry-setting-saved');
    await saved.filter({ hasText: 'Expiry changed' }).waitFor();
    expect(await saved.getAttribute('role')).toBe('status');
    expect(await saved.textContent()).toMatch(
      new RegExp(`^Expiry changed: “Weekly export” now expires on ${(await exactTime(chosen.endOfDay)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(in 3[01] days\\)\\.$`),
    );
    // focus stays on the button; the server holds the end of the chosen day, and the page says so
    expect(await focused()).toMatchObject({ name: 'Change expiry', inDetails: true });
    expect(await storedExpiry()).toBe(chosen.endOfDay);
    await details.getByTestId('details-expiry').filter({ hasText: `Expires on ${await exactTime(chosen.endOfDay)}` }).waitFor();
    expect(await setting.getByTestId('expiry-setting-now').textContent()).toMatch(/^Now: Expires on .+ \(in 3[01] days\)\.$/);
    await expectAccessible(page, 'Details after the expiry changed');
    await screenshot('extended');
  });

  it('sets never, with the warning tied to the field; the server holds no expiry', { timeout: 60_000 }, async () => {
    const select = setting.getByLabel('New expiry');
    await select.selectOption({ label: 'Never' });
    const warning = setting.getByTestId('never-expires-warning');
    await warning.waitFor();
    expect(await warning.textContent()).toContain('A token that never expires is a risk');
    expect(await select.getAttribute('aria-describedby')).toBe('change-expiry-hint change-expiry-never-expires-warning');
    await expectAccessible(page, 'Details with "never" chosen');
    await screenshot('never');
    await setting.getByRole('button', { name: 'Change expiry' }).click();
    await setting.getByTestId('expiry-setting-saved').filter({ hasText: 'Expiry changed: “Weekly export” now never expires.' }).waitFor();
    expect(await storedExpiry()).toBeNull();
    await details.getByTestId('details-expiry').filter({ hasText: 'Never expires' }).waitFor();
    expect(await setting.getByTestId('expiry-setting-now').textContent()).toBe('Now: Never expires.');
  });

  it('catches a missing or out-of-range date before sending, and shows the server’s refusal at the field', { timeout: 60_000 }, async () => {
    const select = setting.getByLabel('New expiry');
    const hint = setting.getByTestId('expiry-hint');
    const change = setting.getByRole('button', { name: 'Change expiry' });

    // no date: said at the date field, which gets focus; nothing is sent (the field keeps the
    // date chosen before: it is emptied first)
    await select.selectOption({ label: 'Custom date…' });
    const date = setting.getByLabel('Last day it works');
    await date.fill('');
    await change.click();
    await hint.filter({ hasText: 'Choose a date for the token to expire.' }).waitFor();
    expect(await date.getAttribute('aria-invalid')).toBe('true');
    expect((await focused()).id).toBe('change-expiry-date');
    // past the field's own bounds
    await date.fill((await dayAhead(400)).value);
    await change.click();
    await hint.filter({ hasText: /^Choose a date from .+ to .+\.$/ }).waitFor();
    expect(await storedExpiry()).toBeNull();

    // a browser clock 30 days ahead of the server's: its "1 year" is more than 365 days away for
    // the server, which refuses it with its own message, at the field
    await page.clock.setFixedTime(Date.now() + 30 * DAY);
    await select.selectOption({ label: '1 year' });
    await change.click();
    await hint.filter({ hasText: 'A token can expire at most 365 days ahead. Choose an earlier date, or "never".' }).waitFor();
    expect(await hint.getAttribute('class')).toBe('error');
    expect(await select.getAttribute('aria-invalid')).toBe('true');
    expect(await select.getAttribute('aria-describedby')).toBe('change-expiry-hint');
    expect((await focused()).id).toBe('change-expiry');
    expect(await storedExpiry()).toBeNull();
    await expectAccessible(page, 'Details with a refused expiry');
    await screenshot('refused');
    // choosing again clears the refusal
    await select.selectOption({ label: '30 days' });
    await hint.filter({ hasText: /^Expires on / }).waitFor();
    expect(await select.getAttribute('aria-invalid')).toBe('false');
  });
});
