// A token's Details in four sections (issue "The dashboard, second version"), in a real headless
// Chromium against the real server, with the keyboard alone:
// - Overview, Usage, Settings and Danger zone, each a group named by its heading, in that order,
//   with links to each at the top; Settings holds the rename, expiry and rate-limit forms, Danger
//   zone Roll, Disable and Delete; axe-core finds nothing, light and dark;
// - Delete from Details asks the list's question (with the in-use warning for a token used this
//   week); Cancel gives focus back to Delete, and confirming deletes the token (the API says
//   DELETED), closes Details and moves it to the Deleted tab.
// Each part signs up its own account; every wait is on a condition, never a fixed sleep.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';

const SECTIONS = ['Overview', 'Usage', 'Settings', 'Danger zone'];

let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  page = await browser.newPage();
  // a step that hangs names its locator before the test's own timeout ends it
  page.setDefaultTimeout(30_000);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A fresh account on a plan, signed in by its cookie, with the page open. */
async function openAs(plan: string, prepare?: (session: string) => Promise<void>) {
  const { session } = await t.signUp({ plan });
  await prepare?.(session);
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  await page.goto(url);
  await page.getByText(/^Plan: /).waitFor();
  return session;
}

async function api<T = any>(session: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await t.gql(query, variables, bearer(session));
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

const statusOf = async (session: string, id: string) =>
  (await api<{ token: { status: string } }>(session, 'query($id: ID!) { token(id: $id) { status } }', { id })).token.status;

const focused = () =>
  page.evaluate(() => {
    const element = document.activeElement;
    return {
      name: (element?.getAttribute('aria-label') ?? element?.textContent ?? '').trim(),
      id: element?.id ?? '',
      tag: element?.tagName.toLowerCase() ?? '',
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

describe("a token's Details in sections", () => {
  it('Overview, Usage, Settings and Danger zone in order, each holding its own forms; Delete asks first, and deletes for good', { timeout: 120_000 }, async () => {
    let made = { id: '', secret: '' };
    const session = await openAs('pro', async (session) => {
      made = await t.generateToken(session, 'Nightly export');
      // used just now: the delete question warns that something still uses it
      expect((await t.renderDocument(made.secret)).errors).toBeUndefined();
    });
    const { id } = made;
    await page.getByTestId('tokens-ACTIVE').locator(`tr[data-token-id="${id}"]`).waitFor();

    // from the page's start: Tab to the row's Details, Enter
    await page.locator('#page-title').focus();
    await tabTo('the Details button of the row', (element) => element.name === 'Details of Nightly export');
    await page.keyboard.press('Enter');
    const details = page.getByTestId('token-details');
    await details.getByRole('heading', { name: /Nightly export/ }).waitFor();

    // the four sections, each a group named by its h4, in this order, and a link to each at the top
    const section = (name: string) => details.getByRole('group', { name, exact: true });
    for (const name of SECTIONS) {
      expect(await section(name).getByRole('heading', { level: 4, name, exact: true }).first().isVisible(), name).toBe(true);
    }
    const inOrder = await details.evaluate((dialog) =>
      // the sections' own headings: the first child of each group a Details section is
      [...dialog.querySelectorAll('.details-section > h4:first-child')].map((heading) => heading.textContent),
    );
    expect(inOrder).toEqual(SECTIONS);
    const nav = details.getByRole('navigation', { name: 'Sections of this token' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(SECTIONS);

    // a link moves focus to its section's heading, and Details stay open at their address
    await tabTo('the Settings link', (element) => element.inDetails && element.tag === 'a' && element.name === 'Settings');
    await page.keyboard.press('Enter');
    expect(await focused()).toMatchObject({ tag: 'h4', name: 'Settings', inDetails: true });
    expect(new URL(page.url()).hash).toBe(`#token/${id}`);

    // the facts in Overview
    const overview = section('Overview');
    expect(await overview.getByTestId('details-state').textContent()).toBe('Active');
    expect(await overview.getByTestId('details-mode').count()).toBe(1);
    expect(await overview.getByTestId('last-used').textContent()).not.toBe('Never');
    expect(await overview.getByTestId('details-documents').textContent()).toBe('1 in all');
    expect(await overview.getByTestId('details-expiry').count()).toBe(1);

    // Usage holds the Usage | Requests tabs
    expect(await section('Usage').getByRole('tab').allTextContents()).toEqual(['Usage', 'Requests']);

    // Settings: rename and restrictions, expiry, rate limit; nothing that cannot be taken back
    const settings = section('Settings');
    expect(await settings.getByRole('form', { name: 'Edit token' }).getByLabel('Name').inputValue()).toBe('Nightly export');
    expect(await settings.getByTestId('expiry-setting').count()).toBe(1);
    expect(await settings.getByTestId('rate-limit').count()).toBe(1);
    expect(await settings.getByRole('button', { name: /Roll|Disable|Delete/ }).count()).toBe(0);

    // Danger zone: Roll, Disable and Delete, and none of the settings
    const danger = section('Danger zone');
    for (const name of ['Roll secret…', 'Disable token', 'Delete token…']) {
      expect(await danger.getByRole('button', { name, exact: true }).count(), name).toBe(1);
    }
    expect(await danger.getByRole('form').count()).toBe(0);
    await expectAccessible(page, 'Details in four sections');

    // Delete, with the keyboard: the question, with the warning that the token is in use
    await tabTo('Delete token…', (element) => element.inDetails && element.name === 'Delete token…');
    await page.keyboard.press('Enter');
    const question = page.getByRole('dialog', { name: 'Delete “Nightly export”?' });
    await question.waitFor();
    expect(await question.getByTestId('recent-use-warning').textContent()).toMatch(/^This token is in use: it was last used .+\. Whatever uses it will start failing\.$/);
    expect(await question.textContent()).toContain('This cannot be undone.');

    // Cancel (it has focus) changes nothing and gives focus back to Delete
    expect((await focused()).name).toBe('Cancel');
    await page.keyboard.press('Enter');
    await question.waitFor({ state: 'detached' });
    await expect.poll(async () => (await focused()).name).toBe('Delete token…');
    expect(await details.isVisible()).toBe(true);
    expect(await statusOf(session, id)).toBe('ACTIVE');

    // confirmed: deleted for good, Details close, and the token moves to the Deleted tab
    await page.keyboard.press('Enter');
    await question.waitFor();
    await page.keyboard.press('Tab');
    expect((await focused()).name).toBe('Delete token');
    await page.keyboard.press('Enter');
    await details.waitFor({ state: 'detached' });
    expect(await statusOf(session, id)).toBe('DELETED');
    expect(new URL(page.url()).hash).not.toBe(`#token/${id}`);
    await page.getByTestId('tokens-ACTIVE').locator(`tr[data-token-id="${id}"]`).waitFor({ state: 'detached' });
    await expect.poll(() => page.locator('#tab-DELETED .tab-count').textContent()).toBe('1');
    // focus is not lost: the row is gone, so it goes to the list
    await expect.poll(async () => (await focused()).id).toBe('panel-ACTIVE');
  });
});
