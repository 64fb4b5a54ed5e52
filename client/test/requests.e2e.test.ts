// A token's Requests view ("The integrator's view"), in a real headless Chromium against the real
// server: requests an integration makes with the token over HTTP (Authorization: Bearer), one
// refused by the token's IP allowlist and one OK, read in words in the token's details, with their
// status, address, User-Agent and request id; the chart's totals count them by reason; a request
// made while the view is open appears on top without a reload and moves the totals; the view is
// reached with the keyboard alone, its filter shows the refused ones only, "Load more" reads the
// next page; axe-core finds nothing in light and dark.
//
// The log is written as in production, in batches every 250 ms (REQUEST_LOG_FLUSH_MS), so every
// wait here is on the page showing what the server wrote, never a fixed sleep.
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { describeRequest, outcomeLabel } from '../src/request-sentences.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';

// this run's own address, outside the token's allowlist: refused credentials are limited per
// address. Groups of four digits without a leading zero: the address as the server writes it.
const group = () => (0x1000 + randomInt(0xf000)).toString(16);
const OUTSIDE_ADDRESS = `2001:db8:${group()}:${group()}::7`;
const ALLOWED_ADDRESS = '203.0.113.7';
const USER_AGENT = 'nightly-export/2.0';
const RENDER = 'mutation($template: String!, $data: JSON!) { renderDocument(template: $template, data: $data) { documentCount } }';

let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;
let session: string;
let token: { id: string; secret: string };
/** Full loads of the page: the view must move without one. */
let navigations = 0;
const ARTIFACTS = path.resolve('client/test/artifacts');
// screenshots of the details dialog for people, kept with the other suites' (git-ignored)
const screenshot = (name: string) => details().screenshot({ path: path.join(ARTIFACTS, `requests-${name}.png`) });

beforeAll(async () => {
  // the log's batches are written every 250 ms as in production (the test app's default is 0: flushed by hand)
  t = await createTestApp({ requestLogFlushMs: 250 });
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  // signs up (and follows the verification link), then chooses a plan: tokens work only with one
  ({ session } = await t.signUp({ plan: null }));
  const chosen = await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, bearer(session));
  expect(chosen.errors).toBeUndefined();
  token = await t.generateToken(session, 'Nightly export');
  const fenced = await t.gql('mutation($id: ID!) { updateToken(id: $id, allowedIps: ["203.0.113.0/24"]) { id } }', { id: token.id }, bearer(session));
  expect(fenced.errors).toBeUndefined();
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Every request made with the token so far: each one is an entry of its log. */
let requestsMade = 0;

/** One request as an integration makes it: over HTTP, with the token, from `address`. */
async function callApi(address: string, requestId: string, query = RENDER, variables: Record<string, unknown> = { template: 'Invoice {{ n }}', data: { n: 1 } }) {
  requestsMade++;
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, 'x-forwarded-for': address, 'x-request-id': requestId, ...bearer(token.secret) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  return { status: response.status, code: body.errors?.[0]?.extensions?.code };
}

const details = () => page.getByTestId('token-details');
const requests = () => details().getByTestId('token-requests');
const row = (requestId: string) => requests().locator(`[data-testid="request"][data-request-id="${requestId}"]`);
const rowIds = () => requests().getByTestId('request').evaluateAll((rows) => rows.map((one) => one.getAttribute('data-request-id')));
/** The summary once it says these counts (it is read again after live requests). */
const summaryWith = (ok: number, refused: number) => requests().locator(`[data-testid="request-summary"][data-ok="${ok}"][data-refused="${refused}"]`);
const totalOf = (outcome: string) => requests().getByTestId('request-totals').locator(`tr[data-outcome="${outcome}"]`);

const focused = () =>
  page.evaluate(() => {
    const element = document.activeElement as HTMLElement & { labels?: NodeListOf<HTMLLabelElement> | null };
    return {
      name: (element.getAttribute('aria-label') ?? element.labels?.[0]?.textContent ?? element.textContent ?? '').trim(),
      role: element.getAttribute('role') ?? element.tagName.toLowerCase(),
      selected: element.getAttribute('aria-selected'),
      inDetails: Boolean(element.closest('[data-testid="token-details"]')),
    };
  });

/** Presses Tab until the focused element is the one described, as a keyboard user would. */
async function tabTo(description: string, matches: (element: Awaited<ReturnType<typeof focused>>) => boolean, most = 80) {
  for (let presses = 0; presses <= most; presses++) {
    if (matches(await focused())) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${most} presses of Tab never reached ${description} (focus is on "${(await focused()).name}")`);
}

describe("a token's Requests view", () => {
  it('shows a refused and an OK request in words, with status, address, User-Agent and request id, and counts them by reason; reached with the keyboard alone', async () => {
    expect(await callApi(OUTSIDE_ADDRESS, 'e2e-refused-1')).toEqual({ status: 403, code: 'API_TOKEN_IP_NOT_ALLOWED' });
    expect(await callApi(ALLOWED_ADDRESS, 'e2e-ok-1')).toEqual({ status: 200, code: undefined });
    // in the log before the page reads it (the live feed is the next test's): a batch written
    // between the page's first read and its subscription would be in neither
    await t.app.services.requestLog.flush();

    // from the page's start, keyboard only: Tab to the row's Details, Enter, Tab to the tabs, → Requests
    await page.goto(url);
    await page.getByRole('button', { name: 'Details of Nightly export' }).waitFor();
    await page.locator('#page-title').focus();
    await tabTo('the Details button of the row', (element) => element.name === 'Details of Nightly export');
    await page.keyboard.press('Enter');
    await details().getByRole('heading', { name: /Nightly export/ }).waitFor();
    await tabTo('the Usage tab', (element) => element.inDetails && element.role === 'tab');
    expect(await focused()).toMatchObject({ name: 'Usage', selected: 'true' });
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toMatchObject({ name: 'Requests', role: 'tab', selected: 'true' });
    await requests().waitFor();

    // the entries, newest first, each in words; the log had them before the page asked
    await row('e2e-refused-1').waitFor();
    await row('e2e-ok-1').waitFor();
    expect(await rowIds()).toEqual(['e2e-ok-1', 'e2e-refused-1']);
    const refused = row('e2e-refused-1');
    expect(await refused.getByTestId('request-sentence').innerText()).toBe(`Refused: ${OUTSIDE_ADDRESS} is not in this token's allowlist`);
    expect(await refused.getByTestId('request-status').innerText()).toBe('403');
    expect(await refused.getByTestId('request-address').innerText()).toBe(OUTSIDE_ADDRESS);
    expect(await refused.getByTestId('request-user-agent').innerText()).toBe(USER_AGENT);
    expect(await refused.getByTestId('request-id').innerText()).toBe('e2e-refused-1');
    expect(await refused.locator('time').innerText()).toMatch(/^(just now|\d+ minutes? ago)/);
    const ok = row('e2e-ok-1');
    expect(await ok.getByTestId('request-sentence').innerText()).toMatch(/^OK: renderDocument in (under 1 ms|\d+ ms|\d+\.\d s)$/);
    expect(await ok.getByTestId('request-status').innerText()).toBe('200');
    expect(await ok.getByTestId('request-address').innerText()).toBe(ALLOWED_ADDRESS);

    // the chart's totals: 1 OK, 1 refused because of the allowlist; the chart says it in words
    await summaryWith(1, 1).waitFor();
    expect(await requests().getByTestId('request-summary').innerText()).toBe('2 requests in the last 24 hours: 1 OK, 1 refused.');
    expect(await totalOf('OK').getAttribute('data-count')).toBe('1');
    expect(await totalOf('API_TOKEN_IP_NOT_ALLOWED').getAttribute('data-count')).toBe('1');
    expect(await totalOf('API_TOKEN_IP_NOT_ALLOWED').innerText()).toBe('Refused: Address not allowed\t1');
    expect(await requests().getByTestId('request-totals').locator('tbody tr').count()).toBe(2);
    const chart = requests().getByTestId('request-chart');
    await chart.locator('canvas').waitFor();
    expect(await chart.getAttribute('aria-label')).toBe(
      'Requests per hour (UTC) in the last 24 hours, stacked by outcome: 2 requests in the last 24 hours: 1 OK, 1 refused.',
    );
    await expectAccessible(page, 'the Requests view');
    await screenshot('view');

    // the filter, by keyboard from the tab: Tab reaches its checked choice, an arrow key the other
    await details().getByRole('tab', { name: 'Requests' }).focus();
    await tabTo('the filter', (element) => element.inDetails && element.name === 'All requests');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toMatchObject({ name: 'Refused only' });
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="token-requests"] [data-testid="request"]')];
      return rows.length > 0 && rows.every((one) => one.getAttribute('data-outcome') !== 'OK');
    });
    expect(await rowIds()).toEqual(['e2e-refused-1']);
    await expectAccessible(page, 'the Requests view, refused only');
    await page.keyboard.press('ArrowUp');
    await row('e2e-ok-1').waitFor();

    // the range's other choice, by day: the same two requests
    await requests().getByRole('button', { name: 'Last 7 days' }).click();
    await requests().getByTestId('request-summary').filter({ hasText: '2 requests in the last 7 days: 1 OK, 1 refused.' }).waitFor();
    await requests().getByRole('button', { name: 'Last 24 hours' }).click();
    await requests().getByTestId('request-summary').filter({ hasText: 'in the last 24 hours' }).waitFor();
  });

  it('puts a request made while the view is open on top, without a reload, and moves the totals; the feed is open only while the view is shown', async () => {
    const loadsBefore = navigations;
    const liveRows = requests().locator('[data-testid="request"][data-live="true"]');
    // the page subscribes on its own time: OK requests until one shows live, so that what follows
    // is certainly seen live (each wait is a poll, not an assertion); each one is counted below
    let okMade = 1;
    for (let attempt = 0; attempt < 60 && (await liveRows.count()) === 0; attempt++) {
      expect((await callApi(ALLOWED_ADDRESS, `e2e-warm-${attempt}`)).status).toBe(200);
      okMade++;
      await liveRows.first().waitFor({ timeout: 500 }).catch(() => {});
    }
    expect(await liveRows.count()).toBeGreaterThan(0);

    expect(await callApi(OUTSIDE_ADDRESS, 'e2e-live-refused')).toEqual({ status: 403, code: 'API_TOKEN_IP_NOT_ALLOWED' });
    await row('e2e-live-refused').and(liveRows).waitFor();
    const ids = await rowIds();
    expect(ids[0]).toBe('e2e-live-refused');
    // each request once: the live rows are not repeated by the page
    expect(new Set(ids).size).toBe(ids.length);
    expect(await row('e2e-live-refused').getByTestId('request-sentence').innerText()).toBe(`Refused: ${OUTSIDE_ADDRESS} is not in this token's allowlist`);
    // the chart's totals follow, read again from the server
    await summaryWith(okMade, 2).waitFor();
    expect(await totalOf('API_TOKEN_IP_NOT_ALLOWED').getAttribute('data-count')).toBe('2');
    expect(await totalOf('OK').getAttribute('data-count')).toBe(String(okMade));
    expect(navigations).toBe(loadsBefore);
    await expectAccessible(page, 'the Requests view with live requests');
    await screenshot('live');

    // the feed closes with the tab (an account may hold 10) and opens again with it
    const withFeed = t.app.live.eventSubscriptions();
    await details().getByRole('tab', { name: 'Usage' }).click();
    await expect.poll(() => t.app.live.eventSubscriptions()).toBeLessThan(withFeed);
    await details().getByRole('tab', { name: 'Requests' }).click();
    await expect.poll(() => t.app.live.eventSubscriptions()).toBe(withFeed);
  });

  it('reads older requests a page of 50 at a time with "Load more"', async () => {
    // enough requests for a second page: free ones (tokenInfo), one after another
    for (let n = 0; n < 55; n++) expect(await callApi(ALLOWED_ADDRESS, `e2e-page-${n}`, '{ tokenInfo { token { id } } }', {})).toEqual({ status: 200, code: undefined });
    await t.app.services.requestLog.flush();
    // opened again: the first page holds the 50 newest
    await details().getByRole('tab', { name: 'Usage' }).click();
    await details().getByRole('tab', { name: 'Requests' }).click();
    await row('e2e-page-54').waitFor();
    expect(await requests().getByTestId('request').count()).toBe(50);
    // a third page only if the live test needed many requests to see one live
    for (let shown = 50; shown < requestsMade; shown = await requests().getByTestId('request').count()) {
      await requests().getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => requests().getByTestId('request').count()).toBeGreaterThan(shown);
    }
    const ids = await rowIds();
    expect(ids).toHaveLength(requestsMade);
    expect(ids.at(-1)).toBe('e2e-refused-1');
    expect(new Set(ids).size).toBe(ids.length);
    expect(await requests().getByRole('button', { name: 'Load more' }).count()).toBe(0);

    // on a phone, the long addresses and ids wrap: Details does not scroll sideways
    await page.setViewportSize({ width: 320, height: 800 });
    expect(await details().evaluate((element) => element.scrollWidth - element.clientWidth)).toBeLessThanOrEqual(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await expectAccessible(page, 'the Requests view at 320 px');
    await page.setViewportSize({ width: 1100, height: 900 });
    await details().getByRole('button', { name: 'Close' }).click();
  });

  it('says every outcome in words, and an unknown code as itself', () => {
    const request = { operation: 'renderDocument', durationMs: 12.3, clientAddress: '203.0.113.7' };
    expect(describeRequest({ ...request, outcome: 'OK' })).toBe('OK: renderDocument in 12 ms');
    expect(describeRequest({ ...request, outcome: 'API_TOKEN_IP_NOT_ALLOWED' })).toBe("Refused: 203.0.113.7 is not in this token's allowlist");
    expect(describeRequest({ ...request, outcome: 'API_TOKEN_DELETED' })).toBe('Refused: the token was deleted');
    expect(describeRequest({ ...request, outcome: 'QUOTA_EXCEEDED' })).toBe('Refused: the monthly quota is used up');
    expect(describeRequest({ ...request, outcome: 'RATE_LIMITED' })).toBe('Refused: too many requests (rate limited)');
    expect(describeRequest({ ...request, outcome: 'RENDER_TIMEOUT' })).toBe('Failed: the render ran past its time limit');
    expect(describeRequest({ ...request, outcome: 'ABORTED' })).toBe('Aborted: the client closed the connection before the answer, after 12 ms');
    expect(outcomeLabel('ABORTED')).toBe('Client went away');
    const codes = [
      'API_TOKEN_IP_NOT_ALLOWED', 'API_TOKEN_EXPIRED', 'API_TOKEN_ROLLED', 'API_TOKEN_DELETED', 'API_TOKEN_DISABLED', 'API_TOKEN_SCOPE_MISSING',
      'QUOTA_EXCEEDED', 'TOKEN_LIMIT_EXCEEDED', 'RATE_LIMITED', 'TEMPLATE_INVALID', 'DATA_INVALID', 'DATA_TOO_LARGE', 'TEMPLATE_TOO_LARGE',
      'RENDER_FAILED', 'RENDER_TIMEOUT', 'RENDER_OUTPUT_TOO_LARGE', 'PLAN_REQUIRED',
    ];
    for (const outcome of codes) {
      expect(describeRequest({ ...request, outcome }), outcome).toMatch(/^(Refused|Failed): [a-z0-9]/);
      expect(describeRequest({ ...request, outcome }), outcome).not.toContain(outcome);
      expect(outcomeLabel(outcome), outcome).not.toBe(outcome);
    }
    expect(describeRequest({ ...request, outcome: 'SOMETHING_NEW' })).toBe('Refused: SOMETHING_NEW');
    expect(outcomeLabel('SOMETHING_NEW')).toBe('SOMETHING_NEW');
  });
});
