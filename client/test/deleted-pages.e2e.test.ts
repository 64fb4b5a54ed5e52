// The Deleted tab a page at a time, in a real headless Chromium against the real server: an
// account with more deleted tokens than a page shows the first page, "Show more" adds the rest
// once each, and a token deleted from the Active tab goes on top at once, with no refetch.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';

const DELETED = 30;
let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;
let session: string;
let accountId: string;
let fresh: { id: string };

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  ({ session, accountId } = await t.signUp({ plan: 'pro' }));
  // inserted directly: through the API each would be a generate and a delete, under the 10-active
  // cap and the rate limits; "old 29" is the most recently deleted
  const start = Date.now() - 3600_000;
  await t.app.database.prisma.apiToken.createMany({
    data: Array.from({ length: DELETED }, (_, i) => ({
      id: `old${String(i).padStart(2, '0')}${accountId}`,
      accountId,
      name: `old ${i}`,
      secretHash: `old-hash-${accountId}-${i}`,
      preview: 'pgd_old…',
      createdAt: new Date(start + i * 1000),
      deletedAt: new Date(start + i * 1000 + 500),
    })),
  });
  fresh = await t.generateToken(session, 'Fresh');
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  page = await browser.newPage();
  page.setDefaultTimeout(30_000);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const deletedRows = () => page.getByTestId('tokens-DELETED').locator('tbody tr');
const rowIds = async () => deletedRows().evaluateAll((rows) => rows.map((row) => row.getAttribute('data-token-id')!));
const oldId = (i: number) => `old${String(i).padStart(2, '0')}${accountId}`;

describe('the Deleted tab, a page at a time', () => {
  it('shows 25, newest deleted first; "Show more" loads the rest once each and says so', async () => {
    await page.goto(url);
    const deletedTab = page.getByRole('tab', { name: /Deleted/ });
    await page.waitForFunction(() => document.querySelector('#tab-DELETED .tab-count')?.textContent === '30');
    await deletedTab.click();
    await deletedRows().nth(24).waitFor();
    expect(await rowIds()).toEqual(Array.from({ length: 25 }, (_, i) => oldId(29 - i)));
    expect(await page.getByTestId('show-more-status').textContent()).toBe('Showing 25 of 30.');
    await expectAccessible(page, 'Deleted tab with more to show');

    const showMore = page.getByRole('button', { name: 'Show more' });
    await showMore.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('show-more-status').getByText('Loaded 5 more. Showing 30 of 30.').waitFor();
    const ids = await rowIds();
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => oldId(29 - i)));
    expect(new Set(ids).size).toBe(30);
    // the last page is in: no button, and the focus it had goes to the line that says so
    expect(await showMore.count()).toBe(0);
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'show-more-status');
    // the rows of the later page have their features: a trend once seen, the details view
    const last = deletedRows().last();
    await last.scrollIntoViewIfNeeded();
    await last.locator('[data-testid="trend"][data-total="0"]').waitFor();
    await last.getByRole('button', { name: 'Details of old 0' }).click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expectAccessible(page, 'Deleted tab with every page shown');
  });

  it('puts a token deleted from the Active tab on top of the Deleted tab at once, without reading the tab again', async () => {
    const bodies: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') bodies.push(request.postData() ?? '');
    });
    await page.getByRole('tab', { name: /Active/ }).click();
    await page.getByRole('button', { name: 'Delete Fresh' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete token' }).click();
    await page.getByText('Deleted “Fresh”. It stops working now and is listed in the Deleted tab.').waitFor();
    await page.waitForFunction(() => document.querySelector('#tab-DELETED .tab-count')?.textContent === '31');
    await page.getByRole('tab', { name: /Deleted/ }).click();
    await deletedRows().nth(30).waitFor();
    const ids = await rowIds();
    expect(ids[0]).toBe(fresh.id);
    expect(ids.slice(1)).toEqual(Array.from({ length: 30 }, (_, i) => oldId(29 - i)));
    expect(new Set(ids).size).toBe(31);
    // the delete itself, and at most the new row's trend; no list was read again
    expect(bodies.some((body) => body.includes('tokenConnection') || body.includes('tokens('))).toBe(false);
    expect(bodies.filter((body) => body.includes('DeleteToken'))).toHaveLength(1);
    await expectAccessible(page, 'Deleted tab after a delete');
  });
});
