// Each view of the dashboard has an address (client/src/view-route.ts), and the page fits the
// screen from a phone to a desktop, in a real headless Chromium against the real server:
// - a token's Details are #token/<id>: a reload opens them again, Back closes them, the list's
//   address comes back; the Deleted tab is #tokens/deleted, kept by a reload, left by Back;
// - #activity and #webhooks (and the other sections) scroll to their heading and focus it, from the
//   load, a link of the page, and Back; the Activity filter in the query string still applies;
// - an e-mail's #verify= link still verifies, and comes before any view;
// - at 320 px nothing scrolls sideways and each token is a card of labelled lines; at 1280 px a row
//   with a 20-character name, a test token's longer preview and a ten-digit count is not clipped,
//   each on one line; axe-core finds nothing serious at 375 px, light and dark.
// Each part signs up its own account; every wait is on a condition, never a fixed sleep.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { axeViolations } from './axe.js';
import { launchBrowser } from './browser.js';
import { dashboardLink, MAIL_POLL_MS, nextMail, openLink, VERIFY_SUBJECT } from './mailbox.js';

const TEST_TIMEOUT = 90_000;
let t: TestApp;
let url: string;
let browser: BrowserContext;

beforeAll(async () => {
  // mail delivered as a running server delivers it: the #verify= link is read from the mailbox
  t = await createTestApp({ mailPollMs: MAIL_POLL_MS });
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A page signed in with `session` (the browser holds one session at a time), opened at `path`. */
async function signedInPage(session: string | null, path = '/', viewport = { width: 1100, height: 900 }): Promise<Page> {
  await browser.clearCookies();
  if (session) await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  const page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  await page.setViewportSize(viewport);
  await page.goto(`${url}${path}`);
  return page;
}

async function api<T = any>(session: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await t.gql(query, variables, bearer(session));
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

/** A test-mode token: its preview (pgd_test_…) is the longest a row shows. */
async function testToken(session: string, name: string): Promise<string> {
  const made = await api(session, 'mutation($name: String!) { generateToken(name: $name, mode: TEST) { token { id } } }', { name });
  return made.generateToken.token.id;
}

const hash = (page: Page) => page.evaluate(() => window.location.hash);
const details = (page: Page) => page.getByTestId('token-details');
const selectedTab = (page: Page) => page.getByRole('tablist', { name: 'Token status' }).locator('[aria-selected="true"]').getAttribute('id');
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');
const focusedLabel = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
/** The element is wholly inside the window. */
const inView = (page: Page, id: string) =>
  page.evaluate((target) => {
    const box = document.getElementById(target)!.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  }, id);
/** How far the page scrolls sideways (0 when it does not). */
const sidewaysScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe("a token's Details", () => {
  it('are #token/<id>: a reload opens them again, Back closes them and the list’s address comes back', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const nightly = await t.generateToken(session, 'Nightly export');
    const deploy = await t.generateToken(session, 'Deploy bot');
    const page = await signedInPage(session);
    await page.getByRole('button', { name: 'Details of Nightly export' }).click();
    await details(page).getByRole('heading', { name: /Nightly export/ }).waitFor();
    expect(await hash(page)).toBe(`#token/${nightly.id}`);

    // a reload: the same token's Details, open again
    await page.reload();
    await details(page).getByRole('heading', { name: /Nightly export/ }).waitFor();
    expect(await hash(page)).toBe(`#token/${nightly.id}`);
    expect(await details(page).evaluate((dialog) => dialog.matches('dialog:modal'))).toBe(true);

    // Back: closed, and the address is the list's again (the page was opened at /, the Active tab)
    await page.goBack();
    await details(page).waitFor({ state: 'detached' });
    expect(await hash(page)).toBe('');
    expect(await selectedTab(page)).toBe('tab-ACTIVE');
    // Forward opens them again
    await page.goForward();
    await details(page).getByRole('heading', { name: /Nightly export/ }).waitFor();
    await page.keyboard.press('Escape');
    await details(page).waitFor({ state: 'detached' });
    expect(await hash(page)).toBe('');

    // Close goes back to the list too, and focus to the button that opened them
    await page.getByRole('button', { name: 'Details of Deploy bot' }).click();
    await details(page).getByRole('heading', { name: /Deploy bot/ }).waitFor();
    expect(await hash(page)).toBe(`#token/${deploy.id}`);
    await details(page).getByRole('button', { name: 'Close' }).click();
    await details(page).waitFor({ state: 'detached' });
    expect(await hash(page)).toBe('');
    await expect.poll(() => focusedLabel(page)).toBe('Details of Deploy bot');
    await page.close();

    // an address opened afresh (a bookmark, a shared link): Details open; closing them leaves the
    // list's address in its place, and focus on the token's row
    const fresh = await signedInPage(session, `/#token/${nightly.id}`);
    await details(fresh).getByRole('heading', { name: /Nightly export/ }).waitFor();
    await details(fresh).getByRole('button', { name: 'Close' }).click();
    await details(fresh).waitFor({ state: 'detached' });
    expect(await hash(fresh)).toBe('#tokens');
    await expect.poll(() => focusedLabel(fresh)).toBe('Details of Nightly export');
    await fresh.close();
  }, TEST_TIMEOUT);
});

describe('the token tabs', () => {
  it('the Deleted tab is #tokens/deleted: a reload keeps it, Back returns to Active; Details over it close back to it', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const gone = await t.generateToken(session, 'Old script');
    await t.generateToken(session, 'Kept');
    await api(session, 'mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: gone.id });
    const page = await signedInPage(session);
    await page.getByRole('button', { name: 'Details of Kept' }).waitFor();

    await page.getByRole('tab', { name: /Deleted/ }).click();
    await page.getByTestId('tokens-DELETED').locator(`tr[data-token-id="${gone.id}"]`).waitFor();
    expect(await hash(page)).toBe('#tokens/deleted');

    await page.reload();
    await page.getByTestId('tokens-DELETED').locator(`tr[data-token-id="${gone.id}"]`).waitFor();
    expect(await selectedTab(page)).toBe('tab-DELETED');
    expect(await hash(page)).toBe('#tokens/deleted');

    // a deleted token's Details, reloaded: closing them goes back to the Deleted tab, where they were opened
    await page.getByRole('button', { name: 'Details of Old script' }).click();
    await details(page).getByRole('heading', { name: /Old script/ }).waitFor();
    expect(await hash(page)).toBe(`#token/${gone.id}`);
    await page.reload();
    await details(page).getByRole('heading', { name: /Old script/ }).waitFor();
    expect(await selectedTab(page)).toBe('tab-DELETED');
    await details(page).getByRole('button', { name: 'Close' }).click();
    await details(page).waitFor({ state: 'detached' });
    expect(await hash(page)).toBe('#tokens/deleted');
    expect(await selectedTab(page)).toBe('tab-DELETED');

    // Back: the Active tab, at the address the page was opened at
    await page.goBack();
    await page.getByRole('button', { name: 'Details of Kept' }).waitFor();
    expect(await selectedTab(page)).toBe('tab-ACTIVE');
    expect(await hash(page)).toBe('');
    // the arrow keys move between tabs as before, each an entry of its own
    await page.getByRole('tab', { name: /Active/ }).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => hash(page)).toBe('#tokens/deleted');
    expect(await focusedId(page)).toBe('tab-DELETED');
    await page.goBack();
    await expect.poll(() => selectedTab(page)).toBe('tab-ACTIVE');
    await page.close();
  }, TEST_TIMEOUT);
});

describe('a section’s address', () => {
  it('#activity and #webhooks scroll to their heading and focus it, from the load, a link and Back', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    // enough rows above the sections that the page must scroll to them
    for (const name of ['one', 'two', 'three', 'four']) await t.generateToken(session, name);

    // with the Activity filter in the query string: it applies as before
    const page = await signedInPage(session, '/?activity-event=TOKEN_GENERATED#activity');
    await expect.poll(() => focusedId(page)).toBe('activity-title');
    await expect.poll(() => inView(page, 'activity-title')).toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
    expect(await page.locator('#activity-event').inputValue()).toBe('TOKEN_GENERATED');
    expect(new URL(page.url()).search).toBe('?activity-event=TOKEN_GENERATED');

    // the page's own link to Webhooks: a new entry, the heading focused and in view
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Webhooks' }).click();
    await expect.poll(() => focusedId(page)).toBe('webhooks');
    expect(await hash(page)).toBe('#webhooks');
    await expect.poll(() => inView(page, 'webhooks')).toBe(true);
    expect(
      await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Webhooks' }).getAttribute('aria-current'),
    ).toBe('location');

    // Back: Activity again, with its filter
    await page.goBack();
    await expect.poll(() => focusedId(page)).toBe('activity-title');
    await expect.poll(() => inView(page, 'activity-title')).toBe(true);
    expect(new URL(page.url()).search).toBe('?activity-event=TOKEN_GENERATED');
    await page.close();

    // #webhooks loaded afresh, and each other section
    const sections = { webhooks: 'webhooks', members: 'team-title', security: 'security-title', notifications: 'notifications-title' };
    for (const [address, heading] of Object.entries(sections)) {
      const opened = await signedInPage(session, `/#${address}`);
      await expect.poll(() => focusedId(opened), { message: `#${address}` }).toBe(heading);
      await expect.poll(() => inView(opened, heading), { message: `#${address} in view` }).toBe(true);
      await opened.close();
    }
  }, TEST_TIMEOUT);
});

describe('an e-mail’s link', () => {
  it('#verify= still verifies, and leaves the address bar', async () => {
    const { session, email } = await t.signUp({ verified: false, plan: 'pro' });
    const message = await nextMail(url, email, VERIFY_SUBJECT);
    // opened in a tab that shows the Deleted tab: the link comes first
    const page = await signedInPage(session, '/#tokens/deleted');
    await page.getByRole('heading', { name: 'Security' }).waitFor();
    await openLink(page, url, dashboardLink(message, 'verify'));
    const outcome = page.getByTestId('verify-outcome');
    await outcome.getByRole('status').filter({ hasText: 'Your e-mail address is verified.' }).waitFor();
    expect(await hash(page)).toBe('');
    const state = await api(session, '{ me { emailVerified } }');
    expect(state.me.emailVerified).toBe(true);
    await page.close();
  }, TEST_TIMEOUT);
});

describe('widths', () => {
  /** An account whose widest row has a 20-character name, a test token's preview and a ten-digit count. */
  async function accountWithWideRow() {
    const { session } = await t.signUp({ plan: 'pro' });
    const wide = await testToken(session, 'Production reporting');
    await t.app.database.prisma.apiToken.update({ where: { id: wide }, data: { documentCount: 1_234_567_890 } });
    await t.generateToken(session, 'ci');
    return { session, wide };
  }

  it('at 320 px nothing scrolls sideways, and each token is a card of labelled lines', async () => {
    const { session, wide } = await accountWithWideRow();
    const page = await signedInPage(session, '/', { width: 320, height: 800 });
    const row = page.getByTestId('tokens-ACTIVE').locator(`tr[data-token-id="${wide}"]`);
    await row.getByTestId('document-count').filter({ hasText: '1,234,567,890' }).waitFor();
    expect(await sidewaysScroll(page), 'sideways scroll at 320 px').toBeLessThanOrEqual(0);

    const card = await row.evaluate((tr) => {
      const style = getComputedStyle(tr);
      const box = tr.getBoundingClientRect();
      const cells = [...tr.querySelectorAll<HTMLElement>('th, td')].map((cell) => {
        const label = getComputedStyle(cell, '::before');
        const cellBox = cell.getBoundingClientRect();
        return { label: cell.dataset.label ?? null, shown: label.display !== 'none' ? label.content : 'none', top: cellBox.top, bottom: cellBox.bottom, left: cellBox.left, right: cellBox.right };
      });
      return { display: style.display, border: style.borderTopWidth, left: box.left, right: box.right, cells };
    });
    expect(card.display).toBe('block');
    expect(card.border).not.toBe('0px');
    expect(card.right).toBeLessThanOrEqual(320);
    // every labelled cell shows its label; the cells stack, inside the card
    for (const cell of card.cells) {
      if (cell.label) expect(cell.shown, `the label of ${cell.label}`).toBe(`"${cell.label}"`);
      expect(cell.left).toBeGreaterThanOrEqual(card.left);
      expect(cell.right).toBeLessThanOrEqual(card.right);
    }
    for (let i = 1; i < card.cells.length; i++) expect(card.cells[i]!.top).toBeGreaterThanOrEqual(card.cells[i - 1]!.bottom - 1);
    expect(card.cells.map((cell) => cell.label)).toEqual(['Name', 'Token', 'Created', 'Documents', 'Last used', 'Last 14 days', null]);
    await page.close();
  }, TEST_TIMEOUT);

  it('at 1280 px the widest row’s name, preview and count are whole, each on one line', async () => {
    const { session, wide } = await accountWithWideRow();
    const page = await signedInPage(session, '/', { width: 1280, height: 900 });
    const row = page.getByTestId('tokens-ACTIVE').locator(`tr[data-token-id="${wide}"]`);
    await row.getByTestId('document-count').filter({ hasText: '1,234,567,890' }).waitFor();
    expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
    const cells = await row.evaluate((tr) => {
      /** The lines a cell's text takes (its text's boxes, by their top). */
      const lines = (element: Element) => {
        const range = document.createRange();
        range.selectNodeContents(element);
        return new Set([...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top))).size;
      };
      const measure = (cell: HTMLElement, text: Element) => ({ text: text.textContent, clipped: cell.scrollWidth > cell.clientWidth, lines: lines(text) });
      const name = tr.querySelector<HTMLElement>('th')!;
      const preview = tr.querySelector<HTMLElement>('td[data-label="Token"]')!;
      const count = tr.querySelector<HTMLElement>('td[data-label="Documents"]')!;
      const buttons = [...tr.querySelectorAll('td:last-child button')].map((button) => Math.round(button.getBoundingClientRect().top));
      return {
        name: measure(name, name.querySelector('.row-name')!),
        preview: measure(preview, preview.querySelector('code')!),
        count: measure(count, count),
        buttonsOnOneLine: new Set(buttons).size === 1,
      };
    });
    expect(cells.name).toEqual({ text: 'Production reporting', clipped: false, lines: 1 });
    expect(cells.preview.text).toMatch(/^pgd_test_\w{4}…\w{4}$/);
    expect(cells.preview).toMatchObject({ clipped: false, lines: 1 });
    expect(cells.count).toEqual({ text: '1,234,567,890', clipped: false, lines: 1 });
    expect(cells.buttonsOnOneLine).toBe(true);
    await page.close();
  }, TEST_TIMEOUT);

  it('at 375 px axe-core finds nothing serious or critical, light and dark', async () => {
    const { session } = await accountWithWideRow();
    const page = await signedInPage(session, '/#tokens', { width: 375, height: 800 });
    await page.getByTestId('document-count').filter({ hasText: '1,234,567,890' }).waitFor();
    await page.getByRole('navigation', { name: 'Dashboard' }).waitFor();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const serious = (await axeViolations(page)).filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
      expect(serious, `axe-core at 375 px (${colorScheme})`).toEqual([]);
    }
    await page.close();
  }, TEST_TIMEOUT);
});
