// A token's lifecycle on the API Tokens page, in a real headless Chromium against the real server:
// the expiry shown in the list, the details view (last used from where, restrictions, rename) and
// rolling a secret with a grace period.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { launchBrowser } from './browser.js';
import { expectAccessible } from './axe.js';

const DAY = 24 * 3600_000;
let offsetMs = 0;
let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;
let session: string;

beforeAll(async () => {
  t = await createTestApp({}, { clock: () => new Date(Date.now() + offsetMs) });
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  ({ session } = await t.signUp());
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  page = await browser.newPage();
  page.setDefaultTimeout(30_000);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function generate(name: string, expiry: { expiresAt?: string; expiresIn?: string } = {}) {
  const result = await t.gql(
    'mutation($name: String!, $at: DateTime, $in: TokenExpiry) { generateToken(name: $name, expiresAt: $at, expiresIn: $in) { secret token { id } } }',
    { name, at: expiry.expiresAt, in: expiry.expiresIn },
    bearer(session),
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return { id: result.data.generateToken.token.id as string, secret: result.data.generateToken.secret as string };
}

const row = (name: string) => page.locator('tr', { has: page.locator('th', { hasText: name }) });
const render = (secret: string, headers: Record<string, string> = {}) =>
  t.gql('mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, { ...bearer(secret), ...headers });

describe('token lifecycle on the dashboard', () => {
  it('shows "Expires in 3 days" on a token close to its expiry, and nothing on one that never expires', async () => {
    await generate('Soon', { expiresAt: new Date(Date.now() + 3 * DAY + 3600_000).toISOString() });
    await generate('Forever');
    await page.goto(url);
    await row('Soon').getByTestId('expiry').waitFor();
    expect(await row('Soon').getByTestId('expiry').textContent()).toBe('Expires in 3 days');
    expect(await row('Forever').getByTestId('expiry').count()).toBe(0);
  });

  it('lists an expired token in the Deleted tab, marked "Expired on …"', async () => {
    const expiring = await generate('Old', { expiresIn: 'DAYS_7' });
    offsetMs = 8 * DAY;
    try {
      await page.reload();
      await page.getByRole('tab', { name: 'Deleted' }).click();
      const badge = page.getByTestId('tokens-DELETED').locator(`tr[data-token-id="${expiring.id}"]`).getByTestId('expiry');
      await badge.waitFor();
      expect(await badge.textContent()).toMatch(/^Expired on /);
      await expectAccessible(page, 'expired token in the Deleted tab');
      await page.getByRole('tab', { name: 'Active' }).click();
      await page.getByTestId('tokens-ACTIVE').waitFor();
      expect(await page.getByTestId('tokens-ACTIVE').locator(`tr[data-token-id="${expiring.id}"]`).count()).toBe(0);
    } finally {
      offsetMs = 0;
    }
  });

  it('the details view shows where the token was last used from, and edits its name and restrictions', async () => {
    const { id, secret } = await generate('Billing');
    await render(secret, { 'x-forwarded-for': '203.0.113.9', 'user-agent': 'pogodoc-js/1.2' });
    await page.goto(url);
    await page.getByRole('button', { name: 'Details of Billing' }).click();
    const details = page.getByTestId('token-details');
    await details.getByTestId('last-used').waitFor();
    expect(await details.getByTestId('last-used').textContent()).toMatch(/^(just now|\d+ seconds? ago) from 203\.0\.113\.9, pogodoc-js\/1\.2$/);
    expect(await details.getByTestId('details-expiry').textContent()).toBe('Never expires');
    await expectAccessible(page, 'token details');

    await details.getByLabel(/IP allowlist/).fill('banana');
    await details.getByRole('button', { name: 'Save' }).click();
    await details.getByText(/"banana" is not an IP address or CIDR range/).waitFor();

    await details.getByLabel('Name').fill('Billing EU');
    await details.getByLabel(/IP allowlist/).fill('203.0.113.0/24\n2001:db8::/32');
    await details.getByLabel(/Monthly document limit/).fill('50');
    await details.getByRole('button', { name: 'Save' }).click();
    await details.getByText('Saved.').waitFor();
    const stored = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id } });
    expect(stored).toMatchObject({ name: 'Billing EU', allowedIps: '203.0.113.0/24,2001:db8::/32', monthlyDocumentLimit: 50 });
    // the allowlist now applies
    expect((await render(secret, { 'x-forwarded-for': '198.51.100.7' })).errors?.[0]?.extensions?.code).toBe('API_TOKEN_IP_NOT_ALLOWED');
    await details.getByRole('button', { name: 'Close' }).click();
    await row('Billing EU').waitFor();
  });

  it('rolls a secret with a grace period: the new secret is shown once, and both work until the grace period ends', async () => {
    const { id, secret: oldSecret } = await generate('Rolling');
    await page.goto(url);
    await page.getByRole('button', { name: 'Details of Rolling' }).click();
    const details = page.getByTestId('token-details');
    await details.getByRole('button', { name: 'Roll secret…' }).click();
    const roll = page.getByRole('dialog', { name: 'Roll the secret of “Rolling”?' });
    await roll.getByRole('radio', { name: '24 hours' }).check();
    await roll.getByRole('button', { name: 'Roll secret', exact: true }).click();
    const newSecret = (await details.getByTestId('secret').textContent())!.trim();
    expect(newSecret).toMatch(/^pgd_[0-9A-Za-z]{36}$/);
    expect(newSecret).not.toBe(oldSecret);
    await details.getByTestId('previous-secret').waitFor();
    expect(await details.getByTestId('previous-secret').textContent()).toMatch(/^Previous secret works until /);

    expect((await render(oldSecret)).data?.renderDocument.documentCount).toBe(1);
    expect((await render(newSecret)).data?.renderDocument.documentCount).toBe(2);
    offsetMs = DAY;
    try {
      expect((await render(oldSecret)).errors?.[0]?.extensions?.code).toBe('API_TOKEN_ROLLED');
    } finally {
      offsetMs = 0;
    }
    await details.getByRole('button', { name: 'I have saved it' }).click();
    expect(await details.getByTestId('secret').count()).toBe(0);
    // the list shows the new secret's preview
    await details.getByRole('button', { name: 'Close' }).click();
    expect(await page.locator(`tr[data-token-id="${id}"] code`).textContent()).toBe(`${newSecret.slice(0, 8)}…${newSecret.slice(-4)}`);
  });
});
