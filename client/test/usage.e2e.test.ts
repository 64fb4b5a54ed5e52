// Usage on the API Tokens page (issue #14), in a real headless Chromium against the real server:
// documents made through the API by another client (the SDK, with the Bearer token) move the
// period meter, the rows' trends and the details chart live, without a reload; the meter warns at
// 80% and says at 100% that new documents are refused before the integration finds out, and offers
// the upgrade; the chart's range exports as CSV; a deleted token's usage stays readable.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PogodocClient } from '../../sdk/src/index.js';
import { limitsFromEnv } from '../../server/src/config.js';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { csvField } from '../src/csv.js';
import { usageCsv } from '../src/components/usage-csv.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';

/** The server's clock runs this far ahead, to reach the next billing period without waiting. */
let offsetMs = 0;
let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;
let session: string;
let invoices: { id: string; secret: string };
let reports: { id: string; secret: string };
/** "Jan 1": the reset as the server states it, in UTC (the period is the UTC calendar month). */
let resets: string;
const usageRequests: string[] = [];
// screenshots for people, kept with the dashboard suite's (git-ignored)
const ARTIFACTS = path.resolve('client/test/artifacts');
const screenshot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `usage-${name}.png`), fullPage: true });
const navigations: string[] = [];

beforeAll(async () => {
  // The meter is what is tested here, not the render limits (the isolation suites test those): the
  // documents go 30 at a time, and on a starved machine a 1 s render limit (the default) ends some
  // of them (RENDER_TIMEOUT, and RENDER_FAILED for the others of that renderer's batch)
  t = await createTestApp({ limits: { ...limitsFromEnv({}), renderTimeoutMs: 20_000 } }, { clock: () => new Date(Date.now() + offsetMs) });
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  ({ session } = await t.signUp({ plan: 'free' }));
  invoices = await t.generateToken(session, 'Invoices');
  reports = await t.generateToken(session, 'Reports');
  const period = await t.gql('{ viewer { currentPeriod { resetsAt quota } } }', {}, bearer(session));
  expect(period.data.viewer.currentPeriod.quota).toBe(100);
  resets = new Date(period.data.viewer.currentPeriod.resetsAt).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  mkdirSync(ARTIFACTS, { recursive: true });
  // queries go as GET within the URL limit (urql's default), mutations as POST
  page.on('request', (request) => {
    const sent = `${decodeURIComponent(request.url())} ${request.postData() ?? ''}`;
    if (/\busage\(/.test(sent)) usageRequests.push(sent);
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations.push(frame.url());
  });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** `count` documents at once, as an integrator's client makes them; the codes of the refused ones. */
async function makeDocuments(secret: string, count: number): Promise<string[]> {
  const pogodoc = new PogodocClient({ token: secret, baseUrl: url });
  const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => pogodoc.renderDocument({ template: 'Invoice {{ n }}', data: { n: i } })));
  return results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as { code: string }).code] : []));
}

const meterText = () => page.getByTestId('period-usage');
const warning = () => page.getByTestId('period-warning');
const row = (id: string) => page.locator(`tr[data-token-id="${id}"]`);
const trendTotal = (id: string) => row(id).getByTestId('trend').getAttribute('data-total');
async function waitForText(locator: ReturnType<Page['getByTestId']>, text: string) {
  await locator.filter({ hasText: text }).waitFor();
  expect(await locator.textContent()).toContain(text);
}

describe('usage on the API Tokens page', () => {
  it('moves the period meter and the row trends live as the API makes documents, warns at 80%, and says at 100% that documents are refused before the integration finds out', async () => {
    await page.goto(url);
    await waitForText(meterText(), `0 of 100 documents this month, resets ${resets}`);
    const meter = page.getByRole('meter', { name: 'Documents this month' });
    expect(await meter.getAttribute('aria-valuenow')).toBe('0');
    expect(await meter.getAttribute('aria-valuemax')).toBe('100');
    expect(await warning().textContent()).toBe('');
    // both rows' trends came in one request, not one per row
    await row(invoices.id).locator('[data-testid="trend"][data-total="0"]').waitFor();
    await row(reports.id).locator('[data-testid="trend"][data-total="0"]').waitFor();
    expect(usageRequests).toHaveLength(1);
    expect(usageRequests[0]).toContain(invoices.id);
    expect(usageRequests[0]).toContain(reports.id);

    // 63 documents from two tokens at once: the meter says so, without a reload
    expect([...(await makeDocuments(invoices.secret, 30)), ...(await makeDocuments(reports.secret, 33))]).toEqual([]);
    await waitForText(meterText(), `63 of 100 documents this month, resets ${resets}`);
    expect(await meter.getAttribute('aria-valuenow')).toBe('63');
    expect(await meter.getAttribute('aria-valuetext')).toBe('63 of 100 documents this month');
    expect(await warning().textContent()).toBe('');
    // the rows' trends moved with the live counts, without asking for usage again
    await row(invoices.id).locator('[data-testid="trend"][data-total="30"]').waitFor();
    await row(reports.id).locator('[data-testid="trend"][data-total="33"]').waitFor();
    expect(await row(invoices.id).getByTestId('trend').getAttribute('aria-label')).toBe('30 documents in the last 14 days');
    expect(usageRequests).toHaveLength(1);

    // 80%: a warning, in the product's voice, with the upgrade
    expect(await makeDocuments(invoices.secret, 17)).toEqual([]);
    await waitForText(warning(), "You've used 80% of this month's documents.");
    expect(await warning().textContent()).toContain(`When you reach 100, new documents are refused until ${resets}.`);
    expect(await warning().getAttribute('role')).toBe('status');
    expect(await warning().getByRole('button', { name: 'Upgrade to Pro' }).isVisible()).toBe(true);
    await expectAccessible(page, 'period meter at 80%');
    await screenshot('meter-80');

    // the 100th document succeeds, and the page says the wall is there before the 101st hits it
    expect(await makeDocuments(reports.secret, 20)).toEqual([]);
    await waitForText(warning(), "You've reached this month's 100 documents.");
    expect(await warning().textContent()).toContain(`New documents are refused until ${resets} — upgrade to Pro to continue now.`);
    expect(await meterText().textContent()).toBe(`100 of 100 documents this month, resets ${resets}`);
    expect(await meter.getAttribute('aria-valuenow')).toBe('100');
    await expectAccessible(page, 'period quota reached');
    await screenshot('meter-100');
    expect(await makeDocuments(invoices.secret, 3)).toEqual(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']);
    expect(navigations).toEqual([url.endsWith('/') ? url : `${url}/`]);

    // the upgrade opens the plan cards with the offered plan focused; choosing it lifts the wall at once
    await warning().getByRole('button', { name: 'Upgrade to Pro' }).click();
    await page.getByRole('heading', { name: 'Change plan' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-describedby') === 'plan-pro-details');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').getByRole('button', { name: 'Choose Pro' }).click();
    await waitForText(meterText(), `100 of 10,000 documents this month, resets ${resets}`);
    expect(await warning().textContent()).toBe('');
    expect(await makeDocuments(invoices.secret, 1)).toEqual([]);
    await waitForText(meterText(), '101 of 10,000 documents this month');
  });

  it('the details chart moves as documents arrive, by hour and by day, and exports the range shown as CSV', async () => {
    await page.getByRole('button', { name: 'Details of Invoices' }).click();
    const details = page.getByTestId('token-details');
    const summary = details.getByTestId('usage-summary');
    await details.locator('[data-testid="usage-summary"][data-total="48"]').waitFor();
    await details.getByTestId('usage-chart').waitFor();
    expect(await summary.textContent()).toBe('48 documents in the last 48 hours (UTC hours)');
    expect(await details.getByTestId('usage-chart').getAttribute('aria-label')).toMatch(
      /^Documents per hour \(UTC\) in the last 48 hours: 48 in all, at most 48 in the hour from \d{4}-\d\d-\d\d \d\d:00 UTC\.$/,
    );
    expect(await details.getByTestId('usage-chart').locator('canvas').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'token details with its usage chart');
    await screenshot('details-by-hour');

    // documents arrive: the chart moves without a reload or a new usage request
    const requestsBefore = usageRequests.length;
    expect(await makeDocuments(invoices.secret, 5)).toEqual([]);
    await details.locator('[data-testid="usage-summary"][data-total="53"]').waitFor();
    expect(usageRequests.length).toBe(requestsBefore);

    const [hourly] = await Promise.all([page.waitForEvent('download'), details.getByRole('button', { name: 'Export range as CSV' }).click()]);
    expect(hourly.suggestedFilename()).toMatch(/^pogodoc-usage-invoices-hour-\d{4}-\d\d-\d\d\.csv$/);
    const hours = parseCsv(readFileSync((await hourly.path())!, 'utf8'));
    expect(hours.header).toEqual(['bucket start (UTC ISO)', 'documents']);
    expect(hours.rows).toHaveLength(48);
    expectConsecutive(hours.rows, 3_600_000);
    expect(sum(hours.rows)).toBe(53);
    // the live documents went into the bucket of now
    const lastHour = hours.rows.at(-1)!;
    expect(Date.parse(lastHour[0]!)).toBeLessThanOrEqual(Date.now());
    expect(Number(lastHour[1])).toBeGreaterThanOrEqual(5);

    await details.getByRole('button', { name: 'By day' }).click();
    expect(await details.getByRole('button', { name: 'By day' }).getAttribute('aria-pressed')).toBe('true');
    await details.locator('[data-testid="usage-summary"][data-total="53"]').filter({ hasText: '30 days' }).waitFor();
    expect(await makeDocuments(invoices.secret, 2)).toEqual([]);
    await details.locator('[data-testid="usage-summary"][data-total="55"]').waitFor();
    const [daily] = await Promise.all([page.waitForEvent('download'), details.getByRole('button', { name: 'Export range as CSV' }).click()]);
    const days = parseCsv(readFileSync((await daily.path())!, 'utf8'));
    expect(days.rows).toHaveLength(30);
    expectConsecutive(days.rows, 86_400_000);
    expect(days.rows.every(([at]) => at!.endsWith('T00:00:00.000Z'))).toBe(true);
    expect(sum(days.rows)).toBe(55);
    await expectAccessible(page, 'token details by day');
    await screenshot('details-by-day');
    await details.getByRole('button', { name: 'Close' }).click();
  });

  it("keeps a deleted token's usage readable: its row keeps its trend, and its details show the chart", async () => {
    const deleted = await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: reports.id }, bearer(session));
    expect(deleted.errors).toBeUndefined();
    await page.reload();
    await page.getByRole('tab', { name: /Deleted/ }).click();
    await page.getByTestId('tokens-DELETED').locator(`tr[data-token-id="${reports.id}"] [data-testid="trend"][data-total="53"]`).waitFor();
    await page.getByRole('button', { name: 'Details of Reports' }).click();
    const details = page.getByTestId('token-details');
    await details.locator('[data-testid="usage-summary"][data-total="53"]').waitFor();
    await details.getByTestId('usage-chart').waitFor();
    // a deleted token can be neither edited nor rolled, but its usage exports
    expect(await details.getByRole('button', { name: 'Save' }).count()).toBe(0);
    const [download] = await Promise.all([page.waitForEvent('download'), details.getByRole('button', { name: 'Export range as CSV' }).click()]);
    expect(sum(parseCsv(readFileSync((await download.path())!, 'utf8')).rows)).toBe(53);
    await expectAccessible(page, 'deleted token details');
    await details.getByRole('button', { name: 'Close' }).click();
  });

  it('starts the meter again when a new period begins: the first document of the new month shows the new period, read again from the server', async () => {
    await waitForText(meterText(), '108 of 10,000 documents this month');
    const now = new Date();
    const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    offsetMs = nextMonth + 60_000 - Date.now();
    try {
      expect(await makeDocuments(invoices.secret, 1)).toEqual([]);
      const nextReset = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1)).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
      await waitForText(meterText(), `1 of 10,000 documents this month, resets ${nextReset}`);
    } finally {
      offsetMs = 0;
    }
  });

  it('on a plan without a quota, says how many documents and that there is no limit, with no meter', async () => {
    await page.getByRole('button', { name: 'Change plan' }).click();
    await page.getByRole('button', { name: /Business/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Choose Business' }).click();
    await waitForText(meterText(), '108 documents this month, no limit');
    expect(await page.getByRole('meter').count()).toBe(0);
    expect(await makeDocuments(invoices.secret, 1)).toEqual([]);
    await waitForText(meterText(), '109 documents this month, no limit');
    await expectAccessible(page, 'period without a quota');
  });

  it('writes CSV fields as RFC 4180 has them, and defuses spreadsheet formulas', () => {
    expect(csvField('bucket start (UTC ISO)')).toBe('bucket start (UTC ISO)');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvField(-3)).toBe('-3');
    expect(usageCsv([{ at: '2026-12-01T10:00:00.000Z', documentCount: 4 }])).toBe('bucket start (UTC ISO),documents\r\n2026-12-01T10:00:00.000Z,4\r\n');
  });
});

function parseCsv(text: string): { header: string[]; rows: string[][] } {
  expect(text.endsWith('\r\n')).toBe(true);
  const [header, ...rows] = text.trimEnd().split('\r\n').map((line) => line.split(','));
  return { header: header!, rows };
}

const sum = (rows: string[][]) => rows.reduce((total, [, count]) => total + Number(count), 0);

function expectConsecutive(rows: string[][], stepMs: number) {
  for (const [at, count] of rows) {
    expect(new Date(at!).toISOString()).toBe(at);
    expect(count).toMatch(/^\d+$/);
  }
  for (let i = 1; i < rows.length; i++) expect(Date.parse(rows[i]![0]!) - Date.parse(rows[i - 1]![0]!)).toBe(stepMs);
}
