// The Activity view and the leak banner, in a real headless Chromium against the real server: a
// token reported by a secret scanner shows a banner with where it was found and a badge on its own
// row, the Activity view lists the leak and the account's other events (as sentences:
// activity-sentences.e2e.test.ts), and exports them as CSV from the server.
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';
import { parseCsv } from '../../server/test/support/parse-csv.js';

let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;
let session: string;
let email: string;

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  ({ session, email } = await t.signUp({ plan: 'pro' }));
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  page = await browser.newPage();
  page.setDefaultTimeout(30_000);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** The event types of the rows on screen, top to bottom (each row carries its type; its text is a sentence). */
const rowTypes = (page: Page) =>
  page.getByTestId('activity').getByTestId('activity-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event-type')));

describe('a leaked token on the dashboard', () => {
  it('shows a banner with where it was found, and the leak in the Activity view, which exports CSV', async () => {
    const leaked = await t.generateToken(session, 'leaky');
    await t.generateToken(session, 'fine');
    await t.app.services.leaks.respond([{ token: leaked.secret, type: 'pogodoc_api_token', url: 'https://github.com/acme/app/blob/1/.env', source: 'commit' }], {
      type: 'SCANNER', id: 'key-1', clientAddress: '203.0.113.9', userAgent: 'scanner',
    });
    await page.goto(url);
    const banner = page.getByTestId(`leak-${leaked.id}`);
    await banner.waitFor();
    expect(await banner.textContent()).toContain('leaky');
    expect(await banner.textContent()).toContain('https://github.com/acme/app/blob/1/.env');
    expect(await banner.textContent()).toContain('was revoked');

    // the leaked token's own row says it too (issue #16), and no other row does
    await page.getByRole('tab', { name: /Deleted/ }).click();
    const leakedRow = page.getByTestId('tokens-DELETED').locator(`tr[data-token-id="${leaked.id}"]`);
    await leakedRow.getByTestId('row-leak').waitFor();
    expect(await leakedRow.getByTestId('row-leak').textContent()).toMatch(/^Leaked: Found in public at https:\/\/github\.com\/acme\/app\/blob\/1\/\.env \(commit\) on .+, and revoked\.$/);
    expect(await page.getByTestId('row-leak').count()).toBe(1);
    await expectAccessible(page, 'leak indicator on the Deleted tab row');
    await page.getByRole('tab', { name: /Active/ }).click();
    await page.getByTestId('tokens-ACTIVE').waitFor();
    expect(await page.getByTestId('row-leak').count()).toBe(0);

    const activity = page.getByTestId('activity');
    await activity.locator('[data-event-type="TOKEN_LEAKED"]').waitFor();
    const types = await rowTypes(page);
    expect(types.slice(0, 3)).toEqual(['TOKEN_LEAKED', 'TOKEN_GENERATED', 'TOKEN_GENERATED']);
    expect(types).toContain('SIGN_UP');
    expect(await activity.locator('tr.leaked').count()).toBe(1);
    expect(await activity.locator('tr.leaked').getByTestId('activity-sentence').innerText()).toBe(
      'A secret scanner found the token “leaky” in public at https://github.com/acme/app/blob/1/.env and it was revoked',
    );
    await expectAccessible(page, 'leak banner and Activity view');

    // filtered to leaks only
    await page.getByLabel('Event', { exact: true }).selectOption('TOKEN_LEAKED');
    // the filtered list has arrived: rows again (while it loads there are none, and none would
    // pass an "every row" check), all of them leaks
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="activity-row"]')];
      return rows.length > 0 && rows.every((row) => row.getAttribute('data-event-type') === 'TOKEN_LEAKED');
    });
    expect(await rowTypes(page)).toEqual(['TOKEN_LEAKED']);
    await page.getByLabel('Event', { exact: true }).selectOption('');
    await activity.locator('[data-event-type="SIGN_UP"]').waitFor();

    // the server's export of the filter (none now): every event, the leak with its facts
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const [header, ...rows] = parseCsv(readFileSync((await csvDownload.path())!, 'utf8'));
    expect(header).toEqual(['time', 'type', 'actorType', 'actorEmail', 'actorId', 'tokenId', 'tokenName', 'clientAddress', 'userAgent', 'details']);
    expect(rows.map((row) => row[1])).toEqual(types);
    const leak = rows.find((row) => row[1] === 'TOKEN_LEAKED')!;
    expect(leak[5]).toBe(leaked.id);
    expect(leak[6]).toBe('leaky');
    expect(leak[7]).toBe('203.0.113.9');
    expect(JSON.parse(leak[9]!).url).toBe('https://github.com/acme/app/blob/1/.env');
  });
});

describe('the Activity view, live', () => {
  it('puts events recorded while it is open on top, without a reload', async () => {
    await page.goto(url);
    const activity = page.getByTestId('activity');
    await activity.locator('[data-event-type="SIGN_UP"]').waitFor();
    const liveRows = activity.locator('tr[data-live="true"]');
    const token = await t.generateToken(session, 'live');
    // the dashboard's socket subscribes on its own time: rename until a live row shows, so that
    // what follows is certainly seen live (each wait is a poll, not an assertion)
    for (let attempt = 0; attempt < 100 && (await liveRows.count()) === 0; attempt++) {
      await t.gql('mutation($id: ID!, $name: String!) { updateToken(id: $id, name: $name) { id } }', { id: token.id, name: `live ${attempt}` }, bearer(session));
      await liveRows.first().waitFor({ timeout: 250 }).catch(() => {});
    }
    await t.gql(`mutation { deleteToken(id: "${token.id}") { id } }`, {}, bearer(session));
    await page.waitForFunction(() => document.querySelector('[data-testid="activity"] tr[data-live="true"]')?.getAttribute('data-event-type') === 'TOKEN_DELETED');
    // newest on top, and each event shown once: the live rows are not repeated by the page
    const types = await rowTypes(page);
    expect(types[0]).toBe('TOKEN_DELETED');
    expect(types.filter((type) => type === 'TOKEN_DELETED')).toHaveLength(1);
    // a live row reads as a sentence like a loaded one: who, which token (by its last name)
    // (renamed "live N" only if the subscription started after the token was generated)
    expect((await liveRows.first().getByTestId('activity-sentence').innerText()).startsWith(`${email} deleted the token “live`)).toBe(true);
  });

  it('shows a leak reported while the page is open at once: the banner, and the token moved to the Deleted tab with its badge', async () => {
    const token = await t.generateToken(session, 'leaks live');
    await page.goto(url);
    await page.getByRole('tab', { name: /Active/ }).click();
    const activeRow = page.getByTestId('tokens-ACTIVE').locator(`tr[data-token-id="${token.id}"]`);
    await activeRow.waitFor();
    // the page subscribes on its own time: as above, rename until the Activity view shows a live
    // row, so that the page's subscriptions (the banner's among them) are certainly running
    const liveRows = page.getByTestId('activity').locator('tr[data-live="true"]');
    for (let attempt = 0; attempt < 100 && (await liveRows.count()) === 0; attempt++) {
      await t.gql('mutation($id: ID!, $name: String!) { updateToken(id: $id, name: $name) { id } }', { id: token.id, name: `leaks live ${attempt}` }, bearer(session));
      await liveRows.first().waitFor({ timeout: 250 }).catch(() => {});
    }
    await t.app.services.leaks.respond([{ token: token.secret, type: 'pogodoc_api_token', url: 'https://github.com/acme/live/blob/1/.env', source: 'commit' }], {
      type: 'SCANNER', id: 'key-1', clientAddress: '203.0.113.10', userAgent: 'scanner',
    });
    // no reload: the banner and the lists follow the TOKEN_LEAKED event
    await page.getByTestId(`leak-${token.id}`).waitFor();
    expect(await page.getByTestId(`leak-${token.id}`).textContent()).toContain('https://github.com/acme/live/blob/1/.env');
    await activeRow.waitFor({ state: 'detached' });
    await page.getByRole('tab', { name: /Deleted/ }).click();
    await page.getByTestId('tokens-DELETED').locator(`tr[data-token-id="${token.id}"]`).getByTestId('row-leak').waitFor();
    await expectAccessible(page, 'a leak reported while the page is open');
  });
});
