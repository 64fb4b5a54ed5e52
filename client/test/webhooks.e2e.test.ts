// Webhooks on the dashboard, in a real headless Chromium against the real server, with the keyboard
// alone: adding an endpoint for a receiver on loopback (the server allows private URLs and polls
// its outbox often, as in development), its secret shown once; a test event that reaches the
// receiver signed (verified with the `standardwebhooks` package, as a receiver would) and shows
// Delivered with its response code; disabling and enabling; rotating the secret (asked first, the
// new one shown once, the old one still signing); a receiver answering 500, the failure in the
// deliveries, and Retry once it answers 200; deleting (asked first). Each dialog gives focus back;
// axe-core finds nothing in light and dark; nothing scrolls sideways at 320 px. A member whose role
// does not manage webhooks is told so instead of being shown the forms.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookEndpointDisabledError } from '../../server/src/domain/errors.js';
import { WEBHOOK_EVENT_TYPES } from '../../server/src/domain/webhooks.js';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../server/test/support/webhook-receiver.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';

// screenshots for people, kept with the other suites' (git-ignored)
const ARTIFACTS = path.resolve('client/test/artifacts');
let t: TestApp;
let url: string;
let browser: BrowserContext;
let page: Page;
let receiver: WebhookReceiver;
let session: string;
/** The endpoint's signing secrets, in the order the page showed them. */
const secrets: string[] = [];

beforeAll(async () => {
  // a receiver on loopback over http:// (WEBHOOKS_ALLOW_PRIVATE_URLS=1), and delivery every 200 ms
  // rather than the 1 s default (WEBHOOK_POLL_MS), as a running server delivers: on its own timer
  t = await createTestApp({ webhookAllowPrivateUrls: true, webhookPollMs: 200 });
  url = await t.app.start(0, '127.0.0.1');
  receiver = await startWebhookReceiver();
  browser = await launchBrowser();
  await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await t?.close();
});

interface Focused {
  /** The accessible name as a test reads it: aria-label, else the text. */
  name: string;
  id: string;
  tag: string;
  /** The name of the webhook endpoint it is in (its URL), if any. */
  endpoint: string | null;
}

const focused = () =>
  page.evaluate((): Focused => {
    const element = document.activeElement;
    const card = element?.closest('.webhook-endpoint');
    return {
      name: (element?.getAttribute('aria-label') ?? element?.textContent ?? '').trim(),
      id: element?.id ?? '',
      tag: element?.tagName.toLowerCase() ?? '',
      endpoint: card?.querySelector('h3')?.textContent?.trim() ?? null,
    };
  });

/** Presses Tab (or Shift+Tab) until the focused element is the one described, as a keyboard user would. */
async function tabTo(description: string, matches: (element: Focused) => boolean, { backwards = false, most = 60 } = {}) {
  for (let presses = 0; presses <= most; presses++) {
    if (matches(await focused())) return;
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${most} presses of Tab never reached ${description} (focus is on "${(await focused()).name}")`);
}

/** Tabs to a button of the receiver's endpoint, named exactly (or starting with `name` when `prefix`). */
const tabToButton = (name: string, options: { backwards?: boolean; prefix?: boolean } = {}) =>
  tabTo(`the endpoint's "${name}"`, (element) => element.tag === 'button' && element.endpoint === receiver.url && (options.prefix ? element.name.startsWith(name) : element.name === name), options);

const endpoint = () => page.getByRole('region', { name: receiver.url, exact: true });
const statusBadge = () => endpoint().getByTestId('webhook-status');
const statusLine = () => endpoint().locator('.webhook-watch');
const deliveryRow = (messageId: string) => endpoint().locator(`tr[data-message-id="${messageId}"]`);
const cell = (messageId: string, label: string) => deliveryRow(messageId).locator(`[data-label="${label}"]`);

/** The receiver's requests of one event type, in the order they came. */
const receivedOf = (type: string) => receiver.received.filter((request) => (JSON.parse(request.body) as { type: string }).type === type);
const headersOf = (request: ReceivedWebhook) => request.headers as Record<string, string>;

/** Waits for the receiver's next webhook.test request after the first `seen`. */
async function nextTestWebhook(seen: number): Promise<ReceivedWebhook> {
  await expect.poll(() => receivedOf('webhook.test').length, { timeout: 15_000 }).toBeGreaterThan(seen);
  return receivedOf('webhook.test')[seen]!;
}

async function endpointsInApi() {
  const result = await t.gql('{ webhookEndpoints { id url events disabledAt messages { id deliveredAt failedAt attempts { responseStatus } } } }', {}, bearer(session));
  expect(result.errors).toBeUndefined();
  return result.data.webhookEndpoints as Array<{
    id: string;
    url: string;
    events: string[];
    disabledAt: string | null;
    messages: Array<{ id: string; deliveredAt: string | null; failedAt: string | null; attempts: Array<{ responseStatus: number | null }> }>;
  }>;
}

/** Nothing scrolls sideways at 375 or 320 px; `screenshot` keeps the section at 320 px and wide. */
async function noSidewaysScroll(state: string, screenshot?: string) {
  const wide = page.viewportSize()!;
  for (const width of [375, 320]) {
    await page.setViewportSize({ width, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `horizontal overflow at ${width} px: ${state}`).toBeLessThanOrEqual(0);
  }
  const section = page.getByRole('region', { name: 'Webhooks' });
  if (screenshot) await section.screenshot({ path: path.join(ARTIFACTS, `webhooks-${screenshot}-320.png`) });
  await page.setViewportSize(wide);
  if (screenshot) await section.screenshot({ path: path.join(ARTIFACTS, `webhooks-${screenshot}.png`) });
}

describe('webhooks on the dashboard, with the keyboard alone', () => {
  it('#webhooks leads to the section; the form offers the server’s events and shows its reasons beside the fields', async () => {
    ({ session } = await t.signUp());
    await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
    await page.goto(`${url}/#webhooks`);
    const section = page.getByRole('region', { name: 'Webhooks' });
    await section.getByRole('heading', { name: 'Add endpoint' }).waitFor();
    await expect.poll(async () => (await focused()).id).toBe('webhooks');

    // the one list of the client is the server's, in its order
    const boxes = section.getByRole('group', { name: 'Events to send' }).getByRole('checkbox');
    expect(await boxes.evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value))).toEqual([...WEBHOOK_EVENT_TYPES]);
    await section.getByText('No endpoints yet.').waitFor();

    // no event: the server's reason, beside the events
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('webhook-url');
    await page.keyboard.type('ftp://example.com/hooks');
    await page.keyboard.press('Enter');
    const eventsError = section.locator('#webhook-events-error');
    await eventsError.waitFor();
    expect(await eventsError.getAttribute('role')).toBe('alert');
    expect(await eventsError.textContent()).toContain('Choose one or more of: token.created');
    expect(await section.getByRole('group', { name: 'Events to send' }).getAttribute('aria-describedby')).toBe('webhook-events-error');

    // an event, and a URL that is not http(s): the reason is beside the URL, which says it is invalid
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ tag: 'input', name: '' });
    await page.keyboard.press('Space');
    expect(await boxes.first().isChecked()).toBe(true);
    await page.keyboard.press('Shift+Tab');
    expect((await focused()).id).toBe('webhook-url');
    await page.keyboard.press('Enter');
    const urlError = section.locator('#webhook-url-error');
    await urlError.waitFor();
    await eventsError.waitFor({ state: 'detached' });
    const urlField = section.getByLabel('Endpoint URL');
    expect(await urlField.getAttribute('aria-invalid')).toBe('true');
    expect(await urlField.getAttribute('aria-describedby')).toContain('webhook-url-error');
    await expectAccessible(page, 'the add form with a refused URL');
  });

  it('adds the receiver’s endpoint; its secret is shown once, copied, and gone when saved', async () => {
    expect((await focused()).id).toBe('webhook-url');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(receiver.url);
    await page.keyboard.press('Enter');

    const reveal = page.getByRole('region', { name: `Signing secret for ${receiver.url}` });
    await reveal.waitFor();
    await expect.poll(async () => (await focused()).id).toBe('webhook-secret-title');
    const secret = (await reveal.getByTestId('webhook-secret').locator('code').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    secrets.push(secret);
    expect(await reveal.textContent()).toContain('This is the only time you will see this secret.');

    // Copy, with the keyboard
    await tabTo('the secret’s Copy button', (element) => element.name === 'Copy');
    await page.keyboard.press('Enter');
    await reveal.getByText('Copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    // the endpoint is listed, enabled, with its one event
    await endpoint().waitFor();
    expect(await statusBadge().textContent()).toBe('Enabled');
    expect(await endpoint().locator('.webhook-event-list').textContent()).toBe('token.created');
    expect(await endpointsInApi()).toMatchObject([{ url: receiver.url, events: ['token.created'], disabledAt: null }]);
    await expectAccessible(page, 'a new endpoint’s secret');
    await noSidewaysScroll('a new endpoint’s secret', 'secret');

    // saved: the secret goes for good, and the form is back with focus in its URL field, emptied
    await tabTo('"I have saved it"', (element) => element.name === 'I have saved it');
    await page.keyboard.press('Enter');
    await reveal.waitFor({ state: 'detached' });
    await expect.poll(async () => (await focused()).id).toBe('webhook-url');
    expect(await page.getByLabel('Endpoint URL').inputValue()).toBe('');
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await endpoint().waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it('sends a test event: the receiver gets it signed with the secret, and the page shows it Delivered with 200', async () => {
    // the reload kept #webhooks: focus is on the section's heading, and Tab goes on from there
    await expect.poll(async () => (await focused()).id).toBe('webhooks');
    await tabToButton('Send test event');
    const seen = receivedOf('webhook.test').length;
    await page.keyboard.press('Enter');
    const request = await nextTestWebhook(seen);
    const event = new Webhook(secrets[0]!).verify(request.body, headersOf(request)) as { type: string; data: { endpointId: string } };
    expect(event.type).toBe('webhook.test');
    const [api] = await endpointsInApi();
    expect(event.data.endpointId).toBe(api!.id);

    const messageId = headersOf(request)['webhook-id']!;
    await expect.poll(() => cell(messageId, 'Status').textContent()).toBe('Delivered');
    expect(await cell(messageId, 'Event').textContent()).toBe('webhook.test');
    expect(await cell(messageId, 'Response').textContent()).toBe('200');
    expect(await cell(messageId, 'Duration').textContent()).toMatch(/^\d+ ms$/);
    expect(await cell(messageId, 'Attempts').textContent()).toBe('1');
    expect(await statusLine().textContent()).toMatch(/^The test event was delivered: the endpoint answered 200 in \d+ ms\.$/);
    expect(await statusLine().getAttribute('role')).toBe('status');
    // delivered: nothing to retry; focus stayed where the person was
    expect(await deliveryRow(messageId).getByRole('button', { name: /^Retry/ }).count()).toBe(0);
    expect(await focused()).toMatchObject({ name: 'Send test event', endpoint: receiver.url });
    await expectAccessible(page, 'a delivered test event');
    await noSidewaysScroll('a delivered test event');
  });

  it('disabled, a test event is refused with the reason beside the button; enabled again', async () => {
    await tabToButton('Disable');
    await page.keyboard.press('Enter');
    await expect.poll(() => statusBadge().textContent()).toBe('Disabled');
    // the same button, now Enable, keeps focus
    expect(await focused()).toMatchObject({ name: 'Enable', endpoint: receiver.url });
    expect((await endpointsInApi())[0]!.disabledAt).not.toBeNull();

    const seen = receiver.received.length;
    await tabToButton('Send test event', { backwards: true });
    await page.keyboard.press('Enter');
    const refusal = endpoint().getByRole('alert');
    await refusal.waitFor();
    // the server's own words, as the API gives them
    expect(await refusal.textContent()).toBe(new WebhookEndpointDisabledError().message);
    const button = endpoint().getByRole('button', { name: 'Send test event' });
    expect(await button.getAttribute('aria-describedby')).toBe(await refusal.getAttribute('id'));
    await expectAccessible(page, 'a disabled endpoint refusing a test event');

    await tabToButton('Enable');
    await page.keyboard.press('Enter');
    await expect.poll(() => statusBadge().textContent()).toBe('Enabled');
    expect((await endpointsInApi())[0]!.disabledAt).toBeNull();
    expect(receiver.received.length).toBe(seen);
  });

  it('rotating asks first and gives focus back when cancelled; the new secret is shown once and signs, and so does the old one', async () => {
    await tabToButton('Rotate secret…', { backwards: true });
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    await dialog.waitFor();
    expect(await focused()).toMatchObject({ name: 'Cancel' });
    await expectAccessible(page, 'the rotate question');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(async () => (await focused()).name).toBe('Rotate secret…');
    expect(secrets).toHaveLength(1);

    // asked again, and rotated: the new secret, in the endpoint's card, with the old one's deadline
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    expect((await focused()).name).toBe('Rotate secret');
    await page.keyboard.press('Enter');
    const reveal = endpoint().getByRole('region', { name: `New signing secret for ${receiver.url}` });
    await reveal.waitFor();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(async () => (await focused()).id).toBe('webhook-secret-title');
    const secret = (await reveal.getByTestId('webhook-secret').locator('code').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(secrets[0]);
    secrets.push(secret);
    expect(await reveal.textContent()).toContain('The previous secret also signs every webhook until');
    expect(await endpoint().getByTestId('webhook-previous-secret').textContent()).toMatch(/^Also signs until /);
    await expectAccessible(page, 'a rotated secret');

    await tabTo('"I have saved it"', (element) => element.name === 'I have saved it');
    await page.keyboard.press('Enter');
    await reveal.waitFor({ state: 'detached' });
    await expect.poll(async () => (await focused()).name).toBe('Rotate secret…');
    expect(await page.content()).not.toContain(secret);

    // the next webhook verifies with the new secret, and with the old one for the overlap
    await tabToButton('Send test event', { backwards: true });
    const seen = receivedOf('webhook.test').length;
    await page.keyboard.press('Enter');
    const request = await nextTestWebhook(seen);
    expect((new Webhook(secrets[1]!).verify(request.body, headersOf(request)) as { type: string }).type).toBe('webhook.test');
    expect((new Webhook(secrets[0]!).verify(request.body, headersOf(request)) as { type: string }).type).toBe('webhook.test');
    await expect.poll(() => cell(headersOf(request)['webhook-id']!, 'Status').textContent()).toBe('Delivered');
  });

  it('a receiver answering 500 shows in the deliveries; given up when disabled; Retry delivers it once the receiver answers 200', async () => {
    receiver.respondWith(500);
    expect((await focused()).name).toBe('Send test event');
    const seen = receivedOf('webhook.test').length;
    await page.keyboard.press('Enter');
    const request = await nextTestWebhook(seen);
    const messageId = headersOf(request)['webhook-id']!;
    await expect.poll(() => cell(messageId, 'Response').textContent()).toBe('500');
    expect(await cell(messageId, 'Status').textContent()).toMatch(/^Waiting \(next attempt (now|in \d+ seconds)\)$/);
    await expect.poll(() => statusLine().textContent()).toBe('The test event was not delivered: the endpoint answered 500. It is tried again later; Retry sends it now.');
    await deliveryRow(messageId).getByRole('button', { name: /^Retry/ }).waitFor();
    await expectAccessible(page, 'a failed delivery');

    // disabled, its waiting messages are given up, and the deliveries say why
    await tabToButton('Disable');
    await page.keyboard.press('Enter');
    await expect.poll(() => cell(messageId, 'Status').textContent()).toMatch(/^Given up \(The endpoint was disabled/);
    expect(await cell(messageId, 'Response').textContent()).toBe('500');
    await page.keyboard.press('Enter');
    await expect.poll(() => statusBadge().textContent()).toBe('Enabled');

    // the receiver answers 200 again: Retry, from the keyboard, delivers it
    receiver.respondWith(200);
    const before = receiver.received.filter((received) => headersOf(received)['webhook-id'] === messageId).length;
    await tabToButton('Retry webhook.test', { prefix: true });
    await page.keyboard.press('Enter');
    await expect.poll(() => cell(messageId, 'Status').textContent(), { timeout: 15_000 }).toBe('Delivered');
    expect(await cell(messageId, 'Response').textContent()).toBe('200');
    expect(Number(await cell(messageId, 'Attempts').textContent())).toBeGreaterThanOrEqual(2);
    expect(receiver.received.filter((received) => headersOf(received)['webhook-id'] === messageId).length).toBeGreaterThan(before);
    await expect.poll(() => statusLine().textContent()).toMatch(/^The webhook was delivered: the endpoint answered 200 in \d+ ms\.$/);
    // its Retry button went with the failure: focus went to the outcome, not to the page's start
    expect(await deliveryRow(messageId).getByRole('button', { name: /^Retry/ }).count()).toBe(0);
    await expect.poll(async () => (await focused()).tag).toBe('p');
    const message = (await endpointsInApi())[0]!.messages.find((candidate) => candidate.id === messageId)!;
    expect(message.deliveredAt).not.toBeNull();
    expect(message.attempts.at(-1)!.responseStatus).toBe(200);
    await expectAccessible(page, 'a delivery retried');
    await noSidewaysScroll('deliveries with a failure and a retry', 'deliveries');
  });

  it('deleting asks first and gives focus back when cancelled; deleted, the endpoint goes and focus goes to the section', async () => {
    // from the outcome of the retry, back up to the endpoint's actions
    await tabToButton('Delete…', { backwards: true });
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Delete the endpoint?' });
    await dialog.waitFor();
    expect((await focused()).name).toBe('Cancel');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(async () => (await focused()).name).toBe('Delete…');
    expect(await endpointsInApi()).toHaveLength(1);

    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    expect((await focused()).name).toBe('Delete endpoint');
    await page.keyboard.press('Enter');
    await endpoint().waitFor({ state: 'detached' });
    await expect.poll(async () => (await focused()).id).toBe('webhooks');
    await page.getByRole('region', { name: 'Webhooks' }).getByText('No endpoints yet.').waitFor();
    expect(await endpointsInApi()).toEqual([]);
  });
});

describe('a member whose role does not manage webhooks', () => {
  it('is told so, in the server’s words, instead of being shown the forms', async () => {
    const owner = await t.signUp();
    const member = await t.signUp();
    const created = await t.gql('mutation { createTeam(name: "Hooks") { id } }', {}, bearer(owner.session));
    const teamId = created.data.createTeam.id as string;
    const inTeam = { ...bearer(owner.session), 'pogodoc-team': teamId };
    const invited = await t.gql('mutation($email: String!) { inviteMember(email: $email, role: DEVELOPER) { secret } }', { email: member.email }, inTeam);
    expect(invited.errors).toBeUndefined();
    const secret = invited.data.inviteMember.secret as string;
    const joined = await t.gql('mutation($secret: String!) { acceptInvitation(secret: $secret) { role } }', { secret }, bearer(member.session));
    expect(joined.data?.acceptInvitation.role).toBe('DEVELOPER');

    const memberPage = await browser.newPage();
    memberPage.setDefaultTimeout(30_000);
    await browser.clearCookies();
    await browser.addCookies([{ name: 'pogodoc_session', value: member.session, url }]);
    await memberPage.goto(url);
    await memberPage.getByRole('region', { name: 'Webhooks' }).getByRole('heading', { name: 'Add endpoint' }).waitFor();
    await memberPage.getByRole('combobox', { name: 'Team', exact: true }).selectOption(teamId);
    await memberPage.getByText('Working in the team Hooks').waitFor();
    const section = memberPage.getByRole('region', { name: 'Webhooks' });
    const notice = section.getByRole('status').filter({ hasText: 'Your role in this team does not allow you to manage webhooks' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain('it takes ADMIN or above');
    expect(await section.getByRole('heading', { name: 'Add endpoint' }).count()).toBe(0);
    expect(await section.getByRole('textbox').count()).toBe(0);
    await expectAccessible(memberPage, 'webhooks refused to the role');
    await memberPage.close();
  });
});
