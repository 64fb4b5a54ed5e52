// The API Tokens page in a real headless Chromium, against the real server on a fresh SQLite file,
// with the SDK making documents as an integrator would.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// the SDK from its source, as the package builds it (sdk/test/packed-package.test.ts tests the packed build)
import { PogodocClient, PogodocTokenError } from '../../sdk/src/index.js';
import { createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { launchBrowser } from './browser.js';

const ARTIFACTS = path.resolve('test-results');
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
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const countCell = (name: string) => page.locator('tr', { has: page.locator('th', { hasText: name }) }).getByTestId('document-count');

async function generateInForm(name: string) {
  await page.getByLabel('Token name').fill(name);
  await page.getByLabel('Token name').press('Enter');
}

describe('the API Tokens page', () => {
  let secret: string;

  it('signs up, is prompted to choose a plan, and chooses the free plan', async () => {
    await page.goto(url);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByLabel('Email').fill('e2e@example.com');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign up' }).first().click();
    await page.getByRole('heading', { name: 'Choose a plan first' }).waitFor();
    // no token can be generated before a plan is chosen
    expect(await page.getByRole('button', { name: 'Generate' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: /Free/ }).click();
    await page.getByText('Plan: Free').waitFor();
    expect(await page.getByRole('button', { name: 'Generate' }).isDisabled()).toBe(false);
  });

  it('enforces the 1-20 character name rule as you type, with the reason', async () => {
    const input = page.getByLabel('Token name');
    await input.fill('x'.repeat(21));
    await page.getByText('Maximum length is 20 characters (this name has 21).').waitFor();
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    await input.press('Enter');
    await input.fill('   ');
    await page.getByText('Enter a descriptive name (1-20 characters).').waitFor();
    await input.fill('🔑'.repeat(20));
    await page.getByText('20/20 characters').waitFor();
    expect(await input.getAttribute('aria-invalid')).toBe('false');
    await input.fill('');
    // nothing was created by the refused attempts
    expect(await page.getByTestId('empty').textContent()).toContain('No active tokens yet');
  });

  it('generates a token with Enter, shows the secret once and copies it to the clipboard', async () => {
    await generateInForm('Production');
    const shown = await page.getByTestId('secret').textContent();
    await page.getByText('Copied to your clipboard.').waitFor();
    secret = await page.evaluate(() => navigator.clipboard.readText());
    expect(secret).toBe(shown);
    expect(secret).toMatch(/^pgd_[0-9A-Za-z]{36}$/);
    expect(await page.getByText('This is the only time you will see this token.').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'I have saved it' }).click();
    expect(await page.getByTestId('secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await countCell('Production').waitFor();
  });

  it('counts documents made through the SDK live on the page, without a reload', async () => {
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    const pogodoc = new PogodocClient({ token: secret, baseUrl: url });
    expect(await countCell('Production').textContent()).toBe('0');
    for (let i = 1; i <= 3; i++) {
      const rendered = await pogodoc.renderDocument({ template: 'Invoice {{ n }}', data: { n: i } });
      expect(rendered).toMatchObject({ content: `Invoice ${i}`, documentCount: i });
      await page.waitForFunction(
        ([expected]) => document.querySelector('[data-testid="document-count"]')?.textContent === expected,
        [String(i)],
      );
    }
    expect(navigations).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'api-tokens-live-counts.png'), fullPage: true });
  });

  it('refuses the 11th token with the product\'s message, and says so before the user tries', async () => {
    // nine more through the form
    for (let i = 2; i <= 9; i++) {
      await generateInForm(`Token ${i}`);
      await page.getByRole('button', { name: 'I have saved it' }).click();
    }
    // the 10th is made behind the page's back (another tab), so the page still offers the form
    const session = (await browser.cookies(url)).find((cookie) => cookie.name === 'pogodoc_session')!.value;
    await t.generateToken(session, 'Other tab');
    await generateInForm('Eleventh');
    const refusal = await page.getByTestId('generate-error').textContent();
    expect(refusal).toContain('Token generation failed: you have reached the 10-token limit.');
    // on the next visit the page says it up front, and the form is closed
    await page.reload();
    await page.getByTestId('limit-notice').waitFor();
    expect(await page.getByTestId('limit-notice').textContent()).toContain('You have 10 active tokens');
    expect(await page.getByRole('button', { name: 'Generate' }).isDisabled()).toBe(true);
  });

  it('deletes with confirmation: the token moves to the Deleted tab and stops working', async () => {
    await page.getByRole('button', { name: 'Delete Production' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Delete “Production”?');
    expect(await dialog.textContent()).toContain('This cannot be undone.');
    await dialog.getByRole('button', { name: 'Delete token' }).click();
    await page.getByRole('button', { name: 'Delete Production' }).waitFor({ state: 'detached' });
    // keyboard: the arrow key moves to the Deleted tab
    await page.getByRole('tab', { name: 'Active' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Deleted' }).getAttribute('aria-selected')).toBe('true');
    const deletedRow = page.getByTestId('tokens-DELETED').locator('tr', { hasText: 'Production' });
    await deletedRow.waitFor();
    expect(await deletedRow.getByTestId('document-count').textContent()).toBe('3');
    // a slot is free again
    await page.getByRole('tab', { name: 'Active' }).click();
    expect(await page.getByRole('button', { name: 'Generate' }).isDisabled()).toBe(false);

    const pogodoc = new PogodocClient({ token: secret, baseUrl: url });
    const failure = await pogodoc.renderDocument({ template: 'x', data: {} }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PogodocTokenError);
    expect(failure).toMatchObject({ code: 'API_TOKEN_DELETED', status: 401 });
  });

  it('works at a narrow width', async () => {
    await page.setViewportSize({ width: 360, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'api-tokens-narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('shows "session expired" in the product\'s words when the session ends', async () => {
    await t.app.database.prisma.session.deleteMany({});
    await page.reload();
    await page.getByText('Your session has expired. Sign in again to manage your tokens.').waitFor();
    expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
  });
});
