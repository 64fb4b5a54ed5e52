// The dashboard's guards (issue #25), in a real headless Chromium against the real server:
// - D1: a plan whose quota is below this month's usage (or within 20% of it) asks first, says the
//   usage against the new quota and what will stop; Cancel and Escape keep the plan.
// - D2: the expiry of a new token is chosen in the page (90 days unless changed; "never" with a
//   warning), and the reveal says when it expires. Created with the keyboard alone.
// - D7: "Roll secret…" asks for the grace period and says the old secret's deadline before it
//   rolls, repeats it beside the new secret, and works with Tab, arrows, Enter and Escape alone.
// Each part signs up its own account; every wait is on a condition, never a fixed sleep.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';

const DAY = 24 * 3600_000;
// screenshots for people, kept with the other suites' (git-ignored)
const ARTIFACTS = path.resolve('client/test/artifacts');
const screenshot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `guards-${name}.png`) });
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

/** A fresh account on a plan, opened in the page. */
async function openAs(plan: string) {
  const { session } = await t.signUp({ plan });
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  await page.goto(url);
  await page.getByText(/^Plan: /).waitFor();
  return session;
}

/** `count` documents through the API, a few at a time; fails on any refusal. */
async function makeDocuments(secret: string, count: number) {
  for (let made = 0; made < count; made += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, count - made) }, () => t.renderDocument(secret)));
    for (const result of batch) expect(result.errors, 'a document was refused').toBeUndefined();
  }
}

interface Focused {
  /** The accessible name as a test reads it: aria-label, else the text. */
  name: string;
  id: string;
  /** Inside a dialog opened from another dialog (the roll question over the details). */
  nested: boolean;
  /** Inside the token's details view. */
  inDetails: boolean;
}

const focused = () =>
  page.evaluate((): Focused => {
    const element = document.activeElement;
    return {
      name: (element?.getAttribute('aria-label') ?? element?.textContent ?? '').trim(),
      id: element?.id ?? '',
      nested: Boolean(element?.closest('dialog dialog')),
      inDetails: Boolean(element?.closest('[data-testid="token-details"]')),
    };
  });

/** Presses Tab until the focused element is the one described, as a keyboard user would. */
async function tabTo(description: string, matches: (element: Focused) => boolean, most = 80) {
  for (let presses = 0; presses <= most; presses++) {
    if (matches(await focused())) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${most} presses of Tab never reached ${description} (focus is on "${(await focused()).name}")`);
}

const focusedName = () => page.evaluate(() => (document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '').trim());
const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
/** The exact time as the page writes it (formatDateTime in relative-time.tsx: the browser's locale). */
const exactTime = (iso: string) =>
  page.evaluate((at) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(at)), iso);
const isModal = (locator: ReturnType<Page['getByRole']>) => locator.evaluate((element) => element.matches('dialog:modal'));

/** The names of the dialogs Chromium's accessibility tree exposes as modal (what a screen reader is told). */
async function modalDialogsInAccessibilityTree(): Promise<string[]> {
  const cdp = await browser.newCDPSession(page);
  try {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    return nodes
      .filter((node) => node.role?.value === 'dialog' && node.properties?.some((property) => property.name === 'modal' && property.value.value === true))
      .map((node) => String(node.name?.value ?? ''));
  } finally {
    await cdp.detach();
  }
}

async function viewerPlan(session: string) {
  const result = await t.gql('{ viewer { planActive plan { id } currentPeriod { used resetsAt } } }', {}, bearer(session));
  return result.data.viewer as { planActive: boolean; plan: { id: string }; currentPeriod: { used: number; resetsAt: string } };
}

async function tokenOf(session: string, id: string) {
  const result = await t.gql('query($id: ID!) { token(id: $id) { expiresAt previousSecretWorksUntil preview } }', { id }, bearer(session));
  return result.data.token as { expiresAt: string | null; previousSecretWorksUntil: string | null; preview: string };
}

describe('D1: changing to a plan whose quota this month’s usage reaches', () => {
  it('asks first, with the usage against the new quota and what will stop; Cancel and Escape keep the plan', { timeout: 120_000 }, async () => {
    const session = await openAs('pro');
    const { secret } = await t.generateToken(session, 'Billing');
    await makeDocuments(secret, 85);
    const resets = new Date((await viewerPlan(session)).currentPeriod.resetsAt).toLocaleDateString('en-US', {
      month: 'short',
      day: 'numeric',
      timeZone: 'UTC',
    });
    const meter = page.getByTestId('period-usage');
    await meter.filter({ hasText: '85 of 10,000 documents this month' }).waitFor();

    // within 20% of Free's 100: the switch asks first and says how many are left
    await page.getByRole('button', { name: 'Change plan' }).click();
    await page.getByRole('button', { name: /^Free/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await isModal(dialog)).toBe(true);
    expect(await modalDialogsInAccessibilityTree()).toEqual(['Switch to Free?']);
    expect(await dialog.getByTestId('quota-guard').textContent()).toBe(
      `85 documents used this month; Free allows 100: after 15 more, documents will be refused with QUOTA_EXCEEDED until ${resets}.`,
    );
    await expectAccessible(page, 'downgrade near the new quota');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    // focus goes back to the card that opened it, and nothing changed
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-describedby') === 'plan-free-details');
    expect((await viewerPlan(session)).plan.id).toBe('pro');
    expect(await page.getByRole('heading', { name: 'Change plan' }).isVisible()).toBe(true);

    // over Free's quota: the same choice, from the keyboard, says documents will be refused
    await makeDocuments(secret, 19);
    await meter.filter({ hasText: '104 of 10,000 documents this month' }).waitFor({ state: 'attached' });
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    expect(await dialog.getByTestId('quota-guard').textContent()).toBe(
      `104 documents used this month; Free allows 100: documents will be refused with QUOTA_EXCEEDED until ${resets}.`,
    );
    expect(await dialog.getByRole('heading').textContent()).toBe('Switch to Free?');
    // the safe choice has focus: Enter alone would not switch
    expect(await focusedName()).toBe('Cancel');
    await expectAccessible(page, 'downgrade over the new quota');
    await screenshot('downgrade-over-quota');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-describedby') === 'plan-free-details');
    expect((await viewerPlan(session)).plan.id).toBe('pro');
    expect((await t.renderDocument(secret)).errors).toBeUndefined();

    // confirmed, it switches; and the warning was true
    await page.keyboard.press('Enter');
    await dialog.getByRole('button', { name: 'Choose Free' }).click();
    await page.getByText('Plan: Free').waitFor();
    expect((await viewerPlan(session)).plan.id).toBe('free');
    expect((await t.renderDocument(secret)).errors?.[0]?.extensions?.code).toBe('QUOTA_EXCEEDED');
  });

  it('an upgrade, and a downgrade far from the new quota, ask nothing more than before', async () => {
    const session = await openAs('business');
    await page.getByRole('button', { name: 'Change plan' }).click();
    // Business to Free with nothing used: one click, as before
    await page.getByRole('button', { name: /^Free/ }).click();
    await page.getByText('Plan: Free').waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect((await viewerPlan(session)).plan.id).toBe('free');
  });
});

describe('D2: the expiry of a new token', () => {
  let session: string;

  it('is chosen with the keyboard alone: name, expiry, Generate; the reveal says when it expires', { timeout: 60_000 }, async () => {
    session = await openAs('pro');
    await tabTo('the token name', (element) => element.id === 'token-name');
    await page.keyboard.type('Deploy bot');
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('token-expiry');
    const expiry = page.getByLabel('Expiration');
    // 90 days unless changed
    expect(await expiry.inputValue()).toBe('DAYS_90');
    await page.getByTestId('expiry-hint').filter({ hasText: /^Expires on / }).waitFor();
    // down to "never": its warning appears, tied to the field
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await expiry.inputValue()).toBe('NEVER');
    const warning = page.getByTestId('never-expires-warning');
    await warning.waitFor();
    expect(await warning.textContent()).toContain('A token that never expires is a risk');
    expect(await expiry.getAttribute('aria-describedby')).toContain('never-expires-warning');
    await expectAccessible(page, 'create with a token that never expires');
    await screenshot('create-never');
    // back up to 30 days
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowUp');
    expect(await expiry.inputValue()).toBe('DAYS_30');
    await warning.waitFor({ state: 'detached' });
    // past "More options" (left closed: the scopes, allowlist and limit keep their defaults)
    await page.keyboard.press('Tab');
    expect(await focusedName()).toBe('More options');
    await page.keyboard.press('Tab');
    expect(await focusedName()).toBe('Generate');
    const before = Date.now();
    await page.keyboard.press('Enter');
    // the summary comes in between, with focus on its heading: its Generate makes the token
    await page.waitForFunction(() => document.activeElement?.id === 'create-token-review-title');
    await tabTo('the summary’s Generate', (element) => element.name === 'Generate');
    await page.keyboard.press('Enter');

    const reveal = page.getByTestId('reveal-expiry');
    await reveal.waitFor();
    const created = await t.gql('{ tokens(status: ACTIVE) { id name expiresAt } }', {}, bearer(session));
    const token = created.data.tokens.find((row: { name: string }) => row.name === 'Deploy bot');
    const expiresAt = Date.parse(token.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY - 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY);
    expect(await reveal.textContent()).toBe(`This token expires on ${await exactTime(token.expiresAt)} (in 30 days).`);
    await expectAccessible(page, 'reveal with the expiry');
    await screenshot('reveal-expiry');
    // done with the keyboard too, and back to the name for the next one
    await tabTo('"I have saved it"', (element) => element.name === 'I have saved it');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'token-name');
  });

  it('90 days unless changed; 1 year, a custom date and never are sent as chosen; a missing date is caught before sending', { timeout: 60_000 }, async () => {
    const name = page.getByLabel('Token name');
    const expiry = page.getByLabel('Expiration');
    const expiresAtOf = async (tokenName: string) => {
      const tokens = await t.gql('{ tokens(status: ACTIVE) { name expiresAt } }', {}, bearer(session));
      return tokens.data.tokens.find((row: { name: string }) => row.name === tokenName).expiresAt as string | null;
    };
    const generate = async (tokenName: string) => {
      await name.fill(tokenName);
      await page.getByRole('button', { name: 'Generate' }).click();
      // the summary's Generate
      await page.getByRole('button', { name: 'Generate' }).click();
      await page.getByTestId('reveal-expiry').waitFor();
      const text = (await page.getByTestId('reveal-expiry').textContent())!;
      await page.getByRole('button', { name: 'I have saved it' }).click();
      await page.getByTestId('reveal-expiry').waitFor({ state: 'detached' });
      return text;
    };

    // Enter in the name field: 90 days
    let before = Date.now();
    await name.fill('Default');
    await name.press('Enter');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('reveal-expiry').filter({ hasText: '(in 90 days)' }).waitFor();
    let at = Date.parse((await expiresAtOf('Default'))!);
    expect(at).toBeGreaterThanOrEqual(before + 90 * DAY - 60_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 90 * DAY);
    await page.getByRole('button', { name: 'I have saved it' }).click();

    expect(await expiry.inputValue()).toBe('DAYS_90');
    before = Date.now();
    await expiry.selectOption({ label: '1 year' });
    // (364 calendar days only in the first minute after midnight: "1 year" asks a minute less than the cap)
    expect(await generate('Yearly')).toMatch(/\(in 36[45] days\)\.$/);
    at = Date.parse((await expiresAtOf('Yearly'))!);
    expect(at).toBeGreaterThan(before + 364 * DAY);
    expect(at).toBeLessThanOrEqual(Date.now() + 365 * DAY);
    // each new token starts from the default again, not from the last one's choice
    expect(await expiry.inputValue()).toBe('DAYS_90');

    // a custom date: the token works through that day, in the browser's time zone
    await expiry.selectOption({ label: 'Custom date…' });
    const date = page.getByLabel('Expiry date');
    await date.waitFor();
    await name.fill('Custom');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('expiry-hint').filter({ hasText: 'Choose a date' }).waitFor();
    expect(await page.getByTestId('secret').count()).toBe(0);
    expect(await date.getAttribute('aria-invalid')).toBe('true');
    const chosen = await page.evaluate(() => {
      const day = new Date(Date.now() + 10 * 24 * 3600_000);
      const pad = (n: number) => String(n).padStart(2, '0');
      return {
        value: `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`,
        endOfDay: new Date(day.getFullYear(), day.getMonth(), day.getDate(), 23, 59, 59, 999).toISOString(),
      };
    });
    await date.fill(chosen.value);
    await expectAccessible(page, 'create with a custom expiry date');
    expect(await generate('Custom')).toBe(`This token expires on ${await exactTime(chosen.endOfDay)} (in 10 days).`);
    expect(await expiresAtOf('Custom')).toBe(chosen.endOfDay);

    // never, with its warning, and the reveal says it plainly
    await expiry.selectOption({ label: 'Never' });
    await page.getByTestId('never-expires-warning').waitFor();
    expect(await generate('Forever')).toBe('This token never expires: delete it when it is no longer needed.');
    expect(await expiresAtOf('Forever')).toBeNull();
  });
});

describe('D7: rolling a secret', () => {
  it('asks for the grace period, says the deadline first and beside the new secret, all with the keyboard', { timeout: 90_000 }, async () => {
    const session = await openAs('pro');
    const { id, secret: oldSecret } = await t.generateToken(session, 'Rolling');
    // the list hears of a token made elsewhere only on a read: read the page again
    await page.reload();
    await page.getByRole('button', { name: 'Details of Rolling' }).waitFor();
    await tabTo('"Details of Rolling"', (element) => element.name === 'Details of Rolling');
    await page.keyboard.press('Enter');
    const details = page.getByTestId('token-details');
    await details.getByRole('heading', { name: /Rolling/ }).waitFor();
    // the button says it opens a question, and is not the red one
    await tabTo('"Roll secret…"', (element) => element.name === 'Roll secret…');
    expect(await page.evaluate(() => document.activeElement!.classList.contains('danger'))).toBe(false);

    // Escape asks nothing further and changes nothing; focus comes back to the Roll button
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Roll the secret of “Rolling”?' });
    await dialog.waitFor();
    expect(await isModal(dialog)).toBe(true);
    expect(await modalDialogsInAccessibilityTree()).toContain('Roll the secret of “Rolling”?');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.textContent === 'Roll secret…');
    expect(await details.isVisible()).toBe(true);
    expect((await tokenOf(session, id)).previousSecretWorksUntil).toBeNull();

    // the grace period is asked first, from the keyboard: the deadline is said before rolling
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    const deadline = dialog.getByTestId('roll-deadline');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).type)).toBe('radio');
    expect(await dialog.getByRole('radio', { name: '1 hour' }).isChecked()).toBe(true);
    expect(await deadline.textContent()).toMatch(/^The current secret keeps working for 1 hour, until .+, then stops\. Update everything that uses it before then\.$/);
    await page.keyboard.press('ArrowDown');
    expect(await dialog.getByRole('radio', { name: '24 hours' }).isChecked()).toBe(true);
    await deadline.filter({ hasText: 'for 24 hours, until' }).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await dialog.getByRole('radio', { name: /^None/ }).isChecked()).toBe(true);
    await deadline.filter({ hasText: 'The current secret stops working as soon as you roll' }).waitFor();
    await expectAccessible(page, 'roll dialog, no grace');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    expect(await dialog.getByRole('radio', { name: '24 hours' }).isChecked()).toBe(true);
    const promised = (await deadline.textContent())!;
    await expectAccessible(page, 'roll dialog, 24 hours');
    await screenshot('roll-dialog');
    await tabTo('the confirming "Roll secret"', (element) => element.name === 'Roll secret' && element.nested);
    await page.keyboard.press('Enter');

    // the new secret, with the deadline beside it, as the server set it
    await dialog.waitFor({ state: 'detached' });
    const newSecret = (await details.getByTestId('secret').textContent())!.trim();
    expect(newSecret).toMatch(/^pgd_[0-9A-Za-z]{36}$/);
    const worksUntil = (await tokenOf(session, id)).previousSecretWorksUntil!;
    expect(Date.parse(worksUntil) - Date.now()).toBeGreaterThan(DAY - 5 * 60_000);
    expect(await details.getByTestId('rolled-deadline').textContent()).toBe(
      `The previous secret works until ${await exactTime(worksUntil)} (in 24 hours), then stops. The new secret works now.`,
    );
    // the deadline promised is the deadline kept, to the minute (the question's clock ticks every 5 s,
    // so the minute shown may be the one before, if it turned meanwhile)
    const kept = [await exactTime(worksUntil), await exactTime(new Date(Date.parse(worksUntil) - 30_000).toISOString())];
    expect(kept.some((minute) => promised.includes(`until ${minute},`)), `"${promised}" promises one of ${kept.join(' or ')}`).toBe(true);
    // focus is on the one-time secret, not lost to the page
    expect(await focusedId()).toBe('secret-title');
    await expectAccessible(page, 'rolled secret with its deadline');
    await screenshot('rolled');
    expect((await t.renderDocument(oldSecret)).errors).toBeUndefined();
    expect((await t.renderDocument(newSecret)).errors).toBeUndefined();

    // dismissed with the keyboard: focus returns to the Roll button
    await tabTo('"I have saved it"', (element) => element.name === 'I have saved it' && element.inDetails);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.textContent === 'Roll secret…');
    expect(await details.getByTestId('secret').count()).toBe(0);
  });

  it('with no grace, says the old secret stops at once, and it does', { timeout: 60_000 }, async () => {
    const session = (await browser.cookies(url)).find((cookie) => cookie.name === 'pogodoc_session')!.value;
    const { id, secret: oldSecret } = await t.generateToken(session, 'Leaked');
    // a fresh load of the list: a reload would open again the Details the part before left open (#token/<id>)
    await page.goto(url);
    await page.getByRole('button', { name: 'Details of Leaked' }).click();
    const details = page.getByTestId('token-details');
    await details.getByRole('button', { name: 'Roll secret…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll the secret of “Leaked”?' });
    await dialog.getByRole('radio', { name: /^None/ }).check();
    await dialog.getByRole('button', { name: 'Roll secret', exact: true }).click();
    await details.getByTestId('rolled-deadline').waitFor();
    expect(await details.getByTestId('rolled-deadline').textContent()).toBe('The previous secret stopped working now. The new secret works now.');
    expect((await tokenOf(session, id)).previousSecretWorksUntil).toBeNull();
    expect((await t.renderDocument(oldSecret)).errors?.[0]?.extensions?.code).toBe('API_TOKEN_ROLLED');
  });
});
