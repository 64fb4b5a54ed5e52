// A token's own rate limit and its previous secret's use, in its details, in a real headless
// Chromium against the real server:
// - the rate limit: the limit in force in words, set lower per minute with the keyboard, refused
//   over the plan's ceiling with the server's own message under the field (tied to it, with focus
//   on it), and what a document answer's RateLimit-Policy header then says; emptied, the plan's
//   again. axe-core finds nothing in light and dark;
// - during a roll's grace period, a document made with the previous secret over HTTP moves the
//   previous secret's use in the open details, without a reload; reads of it are throttled to at
//   most one a second, however fast the documents come.
// Each part signs up its own account; every wait is on a condition, never a fixed sleep.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';

let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;
/** Full loads of the page: the details must move without one. */
let navigations = 0;

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  page = await browser.newPage();
  // a step that hangs names its locator before the test's own timeout ends it
  page.setDefaultTimeout(30_000);
  // a full load only: opening Details is a same-document navigation (its address, #token/<id>)
  page.on('load', () => navigations++);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function api<T = any>(session: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await t.gql(query, variables, bearer(session));
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

/** A fresh account on Pro with one token, opened in the page with that token's details open. */
async function openDetails(name: string) {
  const { session } = await t.signUp({ plan: 'pro' });
  const token = await t.generateToken(session, name);
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  await page.goto(url);
  await page.getByRole('button', { name: `Details of ${name}` }).click();
  const details = page.getByTestId('token-details');
  await details.getByRole('heading', { name: new RegExp(name) }).waitFor();
  return { session, token, details };
}

/** One document as an integration makes it: over HTTP, with a secret as a Bearer token. */
async function renderOverHttp(secret: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(secret), ...headers },
    body: JSON.stringify({ query: 'mutation { renderDocument(template: "Hi", data: {}) { documentCount } }' }),
  });
  const body = (await response.json()) as { data?: { renderDocument: { documentCount: number } }; errors?: unknown };
  expect(body.errors, 'the document was refused').toBeUndefined();
  return response;
}

const focusedElement = () =>
  page.evaluate(() => {
    const element = document.activeElement;
    const describedBy = (element?.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    return {
      id: element?.id ?? '',
      invalid: element?.getAttribute('aria-invalid'),
      description: describedBy.map((id) => document.getElementById(id)?.textContent ?? '').join(' '),
    };
  });

describe("a token's rate limit", () => {
  it("is set per minute in the details; over the ceiling the server's message shows under the field; documents say the limit in RateLimit-Policy", { timeout: 120_000 }, async () => {
    const { session, token, details } = await openDetails('Batch job');
    const { token: limits } = await api(session, 'query($id: ID!) { token(id: $id) { rateLimitCeiling { perSecond perMinute } } }', { id: token.id });
    const ceiling: { perSecond: number; perMinute: number } = limits.rateLimitCeiling;
    const words = (n: number) => n.toLocaleString('en-US');

    // the limit in force: the plan's, and each field shows the most it takes
    const effective = details.getByTestId('rate-limit-effective');
    expect(await effective.textContent()).toBe(`Now: ${words(ceiling.perMinute)} a minute, ${words(ceiling.perSecond)} a second (the plan's).`);
    const perMinute = details.getByLabel('Per minute');
    expect(await perMinute.getAttribute('max')).toBe(String(ceiling.perMinute));
    expect(await details.getByTestId('rate-limit-minute-hint').textContent()).toBe(`1 to ${words(ceiling.perMinute)}; empty: the plan's ${words(ceiling.perMinute)}.`);
    await expectAccessible(page, 'the rate limit in the details');

    // 120 a minute, typed and sent with Enter from the field
    await perMinute.focus();
    await page.keyboard.type('120');
    await page.keyboard.press('Enter');
    await effective.filter({ hasText: "Now: 120 a minute (this token's)" }).waitFor();
    expect(await effective.textContent()).toBe(`Now: 120 a minute (this token's), ${words(ceiling.perSecond)} a second (the plan's).`);
    expect(await details.getByTestId('rate-limit-saved').textContent()).toBe(
      `Rate limit set: 120 a minute (this token's), ${words(ceiling.perSecond)} a second (the plan's).`,
    );
    expect((await focusedElement()).id).toBe('rate-limit-minute');
    const stored = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(stored).toMatchObject({ rateLimitPerMinute: 120, rateLimitPerSecond: null });

    // over the ceiling: the server's own message, under the field, tied to it, with focus on it
    const tooMany = ceiling.perMinute + 1;
    const refused = await t.gql('mutation($id: ID!, $n: Int) { updateToken(id: $id, rateLimitPerMinute: $n) { id } }', { id: token.id, n: tooMany }, bearer(session));
    expect(refused.errors?.[0]?.extensions?.code).toBe('TOKEN_RATE_LIMIT_INVALID');
    const serverMessage: string = refused.errors![0]!.message;
    // it names the ceiling
    expect(serverMessage).toContain(String(ceiling.perMinute));
    await perMinute.fill(String(tooMany));
    await details.getByRole('button', { name: 'Set rate limit' }).click();
    const error = details.getByTestId('rate-limit-error');
    await error.waitFor();
    expect(await error.textContent()).toBe(serverMessage);
    const onField = await focusedElement();
    expect(onField).toMatchObject({ id: 'rate-limit-minute', invalid: 'true' });
    expect(onField.description).toContain(serverMessage);
    expect((await perMinute.getAttribute('aria-describedby'))!.split(' ')).toContain(await error.getAttribute('id'));
    // nothing changed
    expect(await effective.textContent()).toBe(`Now: 120 a minute (this token's), ${words(ceiling.perSecond)} a second (the plan's).`);
    await expectAccessible(page, 'a rate limit refused over the ceiling');

    // a document's answer states the limit set, in both windows
    const response = await renderOverHttp(token.secret);
    expect(response.headers.get('ratelimit-policy')).toBe(`"per-second";q=${ceiling.perSecond};w=1, "per-minute";q=120;w=60`);

    // emptied: the plan's again, in the page and in the header
    await perMinute.fill('');
    await page.keyboard.press('Enter');
    // the text before already ends "(the plan's)." for the second: wait for the whole new sentence
    await expect.poll(() => effective.textContent(), { timeout: 30_000 }).toBe(`Now: ${words(ceiling.perMinute)} a minute, ${words(ceiling.perSecond)} a second (the plan's).`);
    expect(await error.count()).toBe(0);
    expect(await perMinute.getAttribute('aria-invalid')).toBe('false');
    const again = await renderOverHttp(token.secret);
    expect(again.headers.get('ratelimit-policy')).toBe(`"per-second";q=${ceiling.perSecond};w=1, "per-minute";q=${ceiling.perMinute};w=60`);
  });
});

describe("the previous secret's use during a grace period", () => {
  it('moves in the open details when the old secret makes a document, without a reload, read at most once a second', { timeout: 120_000 }, async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'Legacy cron');
    const rolled = await api(session, 'mutation($id: ID!) { rollToken(id: $id, gracePeriod: ONE_HOUR) { secret } }', { id: token.id });
    const newSecret: string = rolled.rollToken.secret;
    await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
    await page.goto(url);
    // the page's reads of the previous secret's use, with the page's own clock
    await page.evaluate(() => {
      const reads: number[] = [];
      (window as unknown as { previousSecretReads: number[] }).previousSecretReads = reads;
      const original = window.fetch.bind(window);
      window.fetch = (input, init) => {
        const sent = `${typeof input === 'string' ? input : input instanceof URL ? input.href : input.url} ${typeof init?.body === 'string' ? init.body : ''}`;
        if (/query\s+PreviousSecretUse\b/.test(decodeURIComponent(sent.replace(/\+/g, ' ')))) reads.push(performance.now());
        return original(input, init);
      };
    });
    const previousSecretReads = () => page.evaluate(() => (window as unknown as { previousSecretReads: number[] }).previousSecretReads.slice());
    const loads = navigations;

    await page.getByRole('button', { name: 'Details of Legacy cron' }).click();
    const details = page.getByTestId('token-details');
    const use = details.getByTestId('previous-secret-use');
    await use.waitFor();
    expect(await details.getByTestId('previous-secret').textContent()).toMatch(/^Previous secret works until /);
    expect(await use.textContent()).toBe('0 documents since the roll.');
    await expectAccessible(page, "the previous secret's use in the details");

    // the new secret's documents move the token's live count, not the previous secret's use
    const count = page.getByTestId('tokens-ACTIVE').locator(`tr[data-token-id="${token.id}"]`).getByTestId('document-count');
    await renderOverHttp(newSecret);
    await count.filter({ hasText: /^1$/ }).waitFor();

    // the old secret's document: its use moves in the open details, with where it came from
    await renderOverHttp(token.secret, { 'x-forwarded-for': '203.0.113.50', 'user-agent': 'legacy-cron/1.0' });
    await use.filter({ hasText: /^1 document since the roll/ }).waitFor();
    expect(await use.textContent()).toMatch(/^1 document since the roll; the last one (just now|\d+ seconds? ago) from 203\.0\.113\.50, legacy-cron\/1\.0\.$/);

    // a burst of five: all counted, in reads that start at least a second apart
    await Promise.all(Array.from({ length: 5 }, () => renderOverHttp(token.secret, { 'user-agent': 'legacy-cron/1.0' })));
    await use.filter({ hasText: /^6 documents since the roll/ }).waitFor();
    const reads = await previousSecretReads();
    expect(reads.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < reads.length; i++) expect(reads[i]! - reads[i - 1]!, `read ${i + 1} of ${reads.length}`).toBeGreaterThanOrEqual(900);
    expect(navigations).toBe(loads);
  });
});
