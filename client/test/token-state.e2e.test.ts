// A token's state on the API Tokens page (issue #25), in a real headless Chromium against the real
// server:
// - disabling and enabling a token from its Details, with the keyboard alone: the row and the
//   Details say "Disabled" in words, the token is refused with 401 API_TOKEN_DISABLED while it
//   keeps its slot in the Active tab, and works again once enabled; focus stays where it was;
//   axe-core finds nothing on the disabled row and Details, light and dark;
// - the lists stay live: tokens made, disabled, enabled, rolled and deleted through the API (as a
//   script would, with the same session), and expired by the server's sweep, move in the page
//   without a reload.
// Each part signs up its own account; every wait is on a condition, never a fixed sleep.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';

const DAY = 24 * 3600_000;
// the server's clock, moved forward to let a token expire (the page keeps the browser's)
let offsetMs = 0;
let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;
/** Full loads of the page; the lists must move without one. */
let navigations = 0;

beforeAll(async () => {
  t = await createTestApp({}, { clock: () => new Date(Date.now() + offsetMs) });
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  page = await browser.newPage();
  // a step that hangs names its locator before the test's own timeout ends it
  page.setDefaultTimeout(30_000);
  // a full load only: choosing a tab is a same-document navigation (its address, #tokens/deleted)
  page.on('load', () => navigations++);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/**
 * A fresh account on a plan, opened in the page, once the page listens to the account's live
 * audit trail: the Activity view, the leak banner and the token lists each hold a subscription. A
 * change made before they are open would be a change the page never hears of (it read the lists
 * before), so the tests wait for them rather than race them.
 */
async function openAs(plan: string, prepare?: (session: string) => Promise<void>) {
  const { session, accountId } = await t.signUp({ plan });
  await prepare?.(session);
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  await page.goto(url);
  await page.getByText(/^Plan: /).waitFor();
  await expect.poll(() => t.app.live.auditSubscribers(accountId), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
  return session;
}

async function api<T = any>(session: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await t.gql(query, variables, bearer(session));
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

const activeRow = (id: string) => page.getByTestId('tokens-ACTIVE').locator(`tr[data-token-id="${id}"]`);
const deletedRow = (id: string) => page.getByTestId('tokens-DELETED').locator(`tr[data-token-id="${id}"]`);
const tabCount = (tab: 'ACTIVE' | 'DELETED') => page.locator(`#tab-${tab} .tab-count`);

const focused = () =>
  page.evaluate(() => {
    const element = document.activeElement;
    return {
      name: (element?.getAttribute('aria-label') ?? element?.textContent ?? '').trim(),
      inDetails: Boolean(element?.closest('[data-testid="token-details"]')),
      description: element?.getAttribute('aria-describedby') ? document.getElementById(element.getAttribute('aria-describedby')!)?.textContent ?? '' : '',
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

describe('disabling a token', () => {
  it('with the keyboard alone: refused with API_TOKEN_DISABLED while it keeps its slot, then enabled again; focus stays put', { timeout: 120_000 }, async () => {
    let made = { id: '', secret: '' };
    // made before the page opens: this part does not lean on the live lists
    await openAs('pro', async (session) => {
      made = await t.generateToken(session, 'Nightly export');
    });
    const { id, secret } = made;
    expect((await t.renderDocument(secret)).errors).toBeUndefined();
    await activeRow(id).waitFor();

    // from the page's start: Tab to the row's Details, Enter
    await page.locator('#page-title').focus();
    await tabTo('the Details button of the row', (element) => element.name === 'Details of Nightly export');
    await page.keyboard.press('Enter');
    const details = page.getByTestId('token-details');
    await details.getByRole('heading', { name: /Nightly export/ }).waitFor();
    expect(await details.getByTestId('details-disabled').count()).toBe(0);

    // "Disable token", with what it does tied to the button
    await tabTo('Disable token', (element) => element.inDetails && element.name === 'Disable token');
    const before = await focused();
    expect(before.description).toContain('API_TOKEN_DISABLED');
    expect(before.description).toContain('keeps its slot, its secret and its history');
    expect(before.description).toContain('can be enabled again');
    await page.keyboard.press('Enter');
    await details.getByTestId('disable-outcome').filter({ hasText: 'Disabled “Nightly export”. Requests with its secret are refused until you enable it again.' }).waitFor();
    // the same button, now the way back, still has focus
    expect(await focused()).toMatchObject({ name: 'Enable token', inDetails: true });
    expect(await details.getByTestId('details-disabled').textContent()).toMatch(
      /^Disabled since .+: every request with its secret is refused \(API_TOKEN_DISABLED\)\.$/,
    );

    // refused at once, and the database says why
    const refused = await t.renderDocument(secret);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe('API_TOKEN_DISABLED');
    const stored = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id } });
    expect(stored.disabledAt).not.toBeNull();
    expect(stored.deletedAt).toBeNull();
    await expectAccessible(page, 'Details of a disabled token');

    // Escape closes Details and gives focus back to the row's button; the row says "Disabled" in
    // words, in the Active tab, which still counts it
    await page.keyboard.press('Escape');
    await details.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Details of Nightly export');
    const badge = activeRow(id).getByTestId('row-disabled');
    await badge.waitFor();
    expect(await badge.innerText()).toMatch(/^Disabled/);
    expect(await badge.textContent()).toMatch(/^Disabled: disabled since .+, requests with its secret are refused$/);
    expect(await tabCount('ACTIVE').textContent()).toBe('1');
    expect(await activeRow(id).getByRole('rowheader').textContent()).toContain('Nightly export');
    await expectAccessible(page, 'a disabled token in the Active tab');

    // Enter opens Details again; "Enable token" makes the same secret work again
    await page.keyboard.press('Enter');
    await details.getByTestId('details-disabled').waitFor();
    await tabTo('Enable token', (element) => element.inDetails && element.name === 'Enable token');
    expect((await focused()).description).toContain('Enabling it makes the same secret work again');
    await page.keyboard.press('Enter');
    await details.getByTestId('disable-outcome').filter({ hasText: 'Enabled “Nightly export”. Its secret works again.' }).waitFor();
    expect(await focused()).toMatchObject({ name: 'Disable token', inDetails: true });
    expect(await details.getByTestId('details-disabled').count()).toBe(0);
    expect((await t.renderDocument(secret)).errors).toBeUndefined();
    expect((await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id } })).disabledAt).toBeNull();

    await page.keyboard.press('Escape');
    await details.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Details of Nightly export');
    await badge.waitFor({ state: 'detached' });
  });
});

describe('the token lists stay live', () => {
  it('tokens made, disabled, enabled, rolled and deleted through the API move in the page without a reload', { timeout: 120_000 }, async () => {
    const session = await openAs('pro');
    await page.getByTestId('empty').waitFor();
    const loads = navigations;

    // made by a script: each appears, and the tab counts it
    const first = await api(session, 'mutation { generateToken(name: "Made by a script") { token { id } } }');
    const firstId: string = first.generateToken.token.id;
    await activeRow(firstId).waitFor();
    const second = await t.generateToken(session, 'Second script token');
    await activeRow(second.id).waitFor();
    await tabCount('ACTIVE').filter({ hasText: /^2$/ }).waitFor();

    // disabled elsewhere: the row says so; enabled elsewhere: it no longer does
    await api(session, 'mutation($id: ID!) { disableToken(id: $id) { id } }', { id: firstId });
    await activeRow(firstId).getByTestId('row-disabled').waitFor();
    await api(session, 'mutation($id: ID!) { enableToken(id: $id) { id } }', { id: firstId });
    await activeRow(firstId).getByTestId('row-disabled').waitFor({ state: 'detached' });

    // rolled elsewhere: the row shows the new secret's preview
    const rolled = await api(session, 'mutation($id: ID!) { rollToken(id: $id, gracePeriod: NONE) { token { preview } } }', { id: second.id });
    const preview: string = rolled.rollToken.token.preview;
    await expect.poll(() => activeRow(second.id).locator('code').textContent(), { timeout: 15_000 }).toBe(preview);

    // deleted elsewhere: it leaves the Active tab for the Deleted one
    await api(session, 'mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: firstId });
    await activeRow(firstId).waitFor({ state: 'detached' });
    await tabCount('DELETED').filter({ hasText: /^1$/ }).waitFor();
    await page.getByRole('tab', { name: /Deleted/ }).click();
    await deletedRow(firstId).waitFor();
    await page.getByRole('tab', { name: /Active/ }).click();
    await activeRow(second.id).waitFor();
    expect(await tabCount('ACTIVE').textContent()).toBe('1');

    expect(navigations).toBe(loads);
  });

  it('a token that expires leaves the Active tab without a reload, once the server’s sweep records it', { timeout: 120_000 }, async () => {
    const session = await openAs('pro');
    const expiring = await api(session, 'mutation { generateToken(name: "Weekly job", expiresIn: DAYS_7) { token { id } } }');
    const id: string = expiring.generateToken.token.id;
    await activeRow(id).waitFor();
    const loads = navigations;

    // eight days later on the server's clock (not the browser's: the page cannot have seen the
    // time come by itself), the sweep writes TOKEN_EXPIRED, and the page hears it
    offsetMs = 8 * DAY;
    try {
      expect(await t.app.services.audit.recordExpiredTokens()).toBeGreaterThanOrEqual(1);
      await activeRow(id).waitFor({ state: 'detached' });
      await page.getByRole('tab', { name: /Deleted/ }).click();
      const badge = deletedRow(id).getByTestId('expiry');
      await badge.waitFor();
      expect(await badge.textContent()).toMatch(/^Expired on /);
      await page.getByRole('tab', { name: /Active/ }).click();
      await page.getByTestId('empty').waitFor();
    } finally {
      offsetMs = 0;
    }
    expect(navigations).toBe(loads);
  });

  it('a token that expires while the page is open leaves the Active tab at its expiry, before any sweep', { timeout: 120_000 }, async () => {
    const session = await openAs('pro');
    // long enough for the row to arrive first on a slow machine; the page reads the lists again
    // when the soonest expiry comes (the sweep, once a minute, may beat it: either way it goes)
    const expiresAt = new Date(Date.now() + 12_000).toISOString();
    const made = await api(session, 'mutation($at: DateTime) { generateToken(name: "Short lived", expiresAt: $at) { token { id } } }', { at: expiresAt });
    const id: string = made.generateToken.token.id;
    await activeRow(id).waitFor();
    const loads = navigations;
    await activeRow(id).waitFor({ state: 'detached', timeout: 45_000 });
    await page.getByRole('tab', { name: /Deleted/ }).click();
    await deletedRow(id).getByTestId('expiry').waitFor();
    await page.getByRole('tab', { name: /Active/ }).click();
    expect(navigations).toBe(loads);
  });
});
