// The period meter on the API Tokens page, in a real headless Chromium against the real server:
// it moves live as documents arrive (no reload), warns at 80%, says so at 100% before the
// integration's next document is refused, and offers the upgrade, which lifts the wall.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { launchBrowser } from './browser.js';

let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  page = await browser.newPage();
  page.setDefaultTimeout(10_000);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('the period meter', () => {
  it('is live, warns at 80% and at 100%, and offers the upgrade', async () => {
    const { session } = await t.signUp({ plan: 'free' });
    await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
    const { secret } = await t.generateToken(session, 'meter');
    const render = () => t.gql('mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, bearer(secret));
    for (let i = 0; i < 79; i++) await render();

    await page.goto(url);
    const usage = page.getByTestId('period-usage');
    const now = new Date();
    const resets = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
    );
    await page.getByText(`79 of 100 documents this month, resets ${resets}`).waitFor();
    expect(await page.getByTestId('period-warning').count()).toBe(0);

    // the next document moves the meter without a reload, and crosses 80%
    await render();
    await page.getByText('80 of 100 documents this month').waitFor();
    expect(await page.getByTestId('period-warning').textContent()).toContain("You've used 80% of this month's documents");

    for (let i = 0; i < 20; i++) await render();
    await page.getByText('100 of 100 documents this month').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain("You've used all 100 documents of this month");
    // the page said so; the integration finds out with its next document
    expect(codes(await render())).toEqual(['QUOTA_EXCEEDED']);
    expect(await usage.textContent()).toContain('100 of 100');

    await page.getByRole('button', { name: 'choose a larger plan' }).click();
    await page.getByRole('button', { name: /Pro/ }).click();
    await page.getByText('100 of 10000 documents this month').waitFor();
    expect((await render()).data?.renderDocument.documentCount).toBe(101);
    await page.getByText('101 of 10000 documents this month').waitFor();
  });
});
