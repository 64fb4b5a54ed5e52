// Activity people can read (issue #25, D6), in a real headless Chromium against the real server:
// events read as sentences with names ("ana@… deleted the token “Nightly export” from
// 203.0.113.7"), every event type of the schema has one and shows no raw code, the filters (event,
// token, member, days) narrow the list to what the API returns for them and stay in the address
// through a reload and the back button, and the export is the server's whole filtered range, not
// the 50 rows loaded.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../../server/src/config.js';
import { auditEvent, type AuditActor, type AuditEventType as ServerEventType } from '../../server/src/domain/audit.js';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { ALL_EVENT_TYPES } from '../src/activity-sentences';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';
import { parseCsv } from '../../server/test/support/parse-csv.js';

// Screenshots of the view are kept in client/test/artifacts/ (git-ignored).
const ARTIFACTS = path.resolve('client/test/artifacts');

let t: TestApp;
let url: string;
let browser: BrowserContext;

beforeAll(async () => {
  // the export test renames one token 60 times within a minute
  t = await createTestApp({ limits: { ...limitsFromEnv({}), tokenMutationsPerAccountPerMinute: 1000 } });
  url = await t.app.start(0, '127.0.0.1');
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const run = randomBytes(3).toString('hex');
let people = 0;
const address = (name: string) => `${name}-${run}-${++people}@example.com`;

/** A page signed in as this session, in this team (null: the personal team), at this path. */
async function openPage(session: string, teamId: string | null, path = '/'): Promise<Page> {
  await browser.clearCookies();
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  const page = await browser.newPage();
  // a busy machine: waits are for conditions, with room
  page.setDefaultTimeout(30_000);
  // the team switcher's choice, as the page keeps it, on every load of this page (reloads too)
  await page.addInitScript((team) => {
    if (team) window.localStorage.setItem('pogodoc.team', team);
    else window.localStorage.removeItem('pogodoc.team');
  }, teamId);
  await page.goto(`${url}${path}`);
  return page;
}

/** The ids of the rows on screen, top to bottom. */
const rowIds = (page: Page) => page.locator('[data-testid="activity"] [data-testid="activity-row"]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event-id')));

/** Waits until the list shows exactly these events, in this order (a filtered list arrives after a moment). */
async function waitForRows(page: Page, ids: string[]) {
  await page.waitForFunction((expected) => {
    const shown = [...document.querySelectorAll('[data-testid="activity"] [data-testid="activity-row"]')].map((row) => row.getAttribute('data-event-id'));
    return JSON.stringify(shown) === JSON.stringify(expected);
  }, ids);
}

/** Clicks "Load more" until every page is on screen. */
async function loadAll(page: Page) {
  const more = page.getByTestId('activity').getByRole('button', { name: 'Load more' });
  while ((await more.count()) > 0) {
    const before = (await rowIds(page)).length;
    await more.click();
    await page.waitForFunction((count) => document.querySelectorAll('[data-testid="activity-row"]').length > count, before);
  }
}

/** What the API lists for a filter, newest first: the ids the page must show for it. */
async function apiIds(session: string, teamId: string | null, filter: Record<string, unknown>): Promise<string[]> {
  const headers = { ...bearer(session), ...(teamId ? { 'pogodoc-team': teamId } : {}) };
  const response = await t.gql(
    `query($types: [AuditEventType!], $tokenId: ID, $actorUserId: ID, $from: DateTime, $to: DateTime) {
      auditEventConnection(first: 100, types: $types, tokenId: $tokenId, actorUserId: $actorUserId, from: $from, to: $to) { edges { node { id } } }
    }`,
    filter,
    headers,
  );
  expect(response.errors).toBeUndefined();
  return response.data.auditEventConnection.edges.map((edge: { node: { id: string } }) => edge.node.id);
}

/**
 * The text a person sees in each row: all of it but the contents of closed disclosures (where the
 * raw facts are), taken out of a copy explicitly rather than trusting innerText with them.
 */
const visibleRowTexts = (page: Page) =>
  page.locator('[data-testid="activity"] [data-testid="activity-row"]').evaluateAll((rows) =>
    rows.map((row) => {
      const copy = row.cloneNode(true) as HTMLElement;
      for (const details of copy.querySelectorAll('details:not([open])')) {
        for (const child of [...details.childNodes]) if (!(child instanceof HTMLElement && child.tagName === 'SUMMARY')) child.remove();
      }
      return [row.getAttribute('data-event-id'), copy.textContent ?? ''] as const;
    }),
  );

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An event type's code (TOKEN_DELETED), or any code of that shape (a reason such as API_TOKEN_EXPIRED). */
const CODE = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/;

interface Team {
  id: string;
  owner: { session: string; accountId: string; email: string };
  member: { session: string; accountId: string; email: string };
  /** Headers for a request in the team as a person. */
  as(session: string, extra?: Record<string, string>): Record<string, string>;
}

/** A team with a plan, its owner (ana) and a developer who joined it (bob). */
async function makeTeam(name: string): Promise<Team> {
  const owner = await t.signUp({ plan: 'pro', email: address('ana') });
  const member = await t.signUp({ plan: 'pro', email: address('bob') });
  const created = await t.gql('mutation($name: String!) { createTeam(name: $name) { id } }', { name }, bearer(owner.session));
  expect(created.errors).toBeUndefined();
  const id = created.data.createTeam.id as string;
  const as = (session: string, extra: Record<string, string> = {}) => ({ ...bearer(session), 'pogodoc-team': id, ...extra });
  expect((await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(owner.session))).errors).toBeUndefined();
  const invited = await t.gql('mutation($email: String!) { inviteMember(email: $email, role: DEVELOPER) { secret } }', { email: member.email }, as(owner.session));
  expect(invited.errors).toBeUndefined();
  const joined = await t.gql('mutation($secret: String!) { acceptInvitation(secret: $secret) { role } }', { secret: invited.data.inviteMember.secret }, bearer(member.session));
  expect(joined.errors).toBeUndefined();
  return { id, owner, member, as };
}

async function generate(headers: Record<string, string>, name: string): Promise<string> {
  const generated = await t.gql('mutation($name: String!) { generateToken(name: $name, expiresIn: NEVER) { token { id } } }', { name }, headers);
  expect(generated.errors).toBeUndefined();
  return generated.data.generateToken.token.id;
}

async function rename(headers: Record<string, string>, id: string, name: string) {
  const renamed = await t.gql('mutation($id: ID!, $name: String!) { updateToken(id: $id, name: $name) { id } }', { id, name }, headers);
  expect(renamed.errors).toBeUndefined();
}

/** Days as the page's date inputs take them: YYYY-MM-DD in the local time zone (the browser's too). */
const localDay = (date: Date) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

describe('activity people can read', () => {
  it('real events read as sentences with names and addresses, with no raw code in sight', async () => {
    const ana = await t.signUp({ plan: 'pro', email: address('ana') });
    const from = { ...bearer(ana.session), 'x-forwarded-for': '203.0.113.7', 'user-agent': 'ana-laptop/1.0' };
    const tokenId = await generate(from, 'Nightly export');
    await rename(from, tokenId, 'Billing');
    expect((await t.gql(`mutation { deleteToken(id: "${tokenId}") { id } }`, {}, from)).errors).toBeUndefined();
    expect((await t.gql('mutation { choosePlan(planId: "business") { id } }', {}, from)).errors).toBeUndefined();
    const signedIn = await t.gql(
      'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { sessionToken } }',
      { email: ana.email, password: 'correct horse battery' },
      { 'x-forwarded-for': '203.0.113.7', 'user-agent': 'ana-phone/2.0' },
    );
    expect(signedIn.errors).toBeUndefined();

    const page = await openPage(ana.session, null);
    const sentences = page.getByTestId('activity').getByTestId('activity-sentence');
    await sentences.getByText(`${ana.email} signed in from 203.0.113.7`).waitFor();
    const shown = await sentences.allInnerTexts();
    expect(shown.slice(0, 5)).toEqual([
      `${ana.email} signed in from 203.0.113.7`,
      `${ana.email} changed the plan from Pro to Business, from 203.0.113.7`,
      // the token's name, as it is now: "token deleted" says which token
      `${ana.email} deleted the token “Billing” from 203.0.113.7`,
      `${ana.email} renamed a token to “Billing” from 203.0.113.7`,
      `${ana.email} generated the token “Nightly export” (now “Billing”) from 203.0.113.7, with no expiry`,
    ]);
    // the sign-up's own events, oldest last
    expect(shown.at(-1)).toMatch(new RegExp(`^${escape(ana.email)} signed up from `));
    expect(shown).toContain(`${ana.email} chose the Pro plan from ${shown.at(-1)!.split(' from ')[1]}`);

    for (const [id, text] of await visibleRowTexts(page)) {
      expect(text, `row ${id}`).not.toMatch(CODE);
      expect(text, `row ${id}`).not.toContain('{"');
    }
    // the raw facts stay at hand, behind the row's disclosure
    const deleted = page.locator('[data-testid="activity-row"][data-event-type="TOKEN_DELETED"]');
    await deleted.locator('summary').click();
    const raw = deleted.locator('details.activity-raw');
    expect(await raw.evaluate((element) => (element as HTMLDetailsElement).open)).toBe(true);
    const facts = await raw.innerText();
    expect(facts).toContain('TOKEN_DELETED');
    expect(facts).toContain(tokenId);
    expect(facts).toContain('ana-laptop/1.0');
    await expectAccessible(page, 'Activity as sentences, one event’s details open');
    await page.close();
  });

  it('every event type of the schema has a sentence, and no row shows a code or JSON', async () => {
    // the schema's enum, as the server has it: the client's list is typed against the generated enum
    const introspected = await t.gql('{ __type(name: "AuditEventType") { enumValues { name } } }');
    const schemaTypes = (introspected.data.__type.enumValues as Array<{ name: string }>).map((value) => value.name).sort();
    expect([...ALL_EVENT_TYPES].sort()).toEqual(schemaTypes);

    const ana = await t.signUp({ plan: 'pro', email: address('ana') });
    const token = await t.generateToken(ana.session, 'CI');
    const session: AuditActor = { type: 'SESSION', id: 'session-1', user: { id: ana.accountId, email: ana.email }, clientAddress: '203.0.113.7', userAgent: 'ana-laptop/1.0' };
    const asToken: AuditActor = { type: 'API_TOKEN', id: token.id, clientAddress: '198.51.100.4', userAgent: 'pogodoc-js/1.2' };
    const scanner: AuditActor = { type: 'SCANNER', id: 'github', clientAddress: '140.82.112.1', userAgent: 'GitHub-Secret-Scanning' };
    const system: AuditActor = { type: 'SYSTEM', id: null, clientAddress: null, userAgent: null };
    const anonymous: AuditActor = { type: 'SESSION', id: null, clientAddress: '203.0.113.66', userAgent: 'curl/8' };
    const now = new Date();
    const expiresAt = new Date(now.getTime() + 7 * 24 * 60 * 60 * 1000);
    const period = now.toISOString().slice(0, 7);
    // the facts each type is recorded with (server/src/domain and persistence); a type missing
    // here is seeded without facts, which must read as a sentence too
    const seeds: Partial<Record<string, { actor: AuditActor; token?: boolean; details?: Record<string, unknown> }>> = {
      SIGN_IN_FAILED: { actor: anonymous, details: { reason: 'TWO_FACTOR_INVALID' } },
      SESSION_EXPIRED: { actor: anonymous },
      SESSION_REVOKED: { actor: session, details: { sessionId: 'session-2' } },
      PLAN_CHOSEN: { actor: session, details: { planId: 'pro', previousPlanId: null } },
      PLAN_CHANGED: { actor: session, details: { planId: 'free', previousPlanId: 'pro' } },
      PLAN_CANCELLED: { actor: session, details: { planId: 'free' } },
      TOKEN_GENERATED: { actor: session, token: true, details: { name: 'CI', expiresAt: null, scopes: 'DOCUMENTS_RENDER' } },
      TOKEN_RENAMED: { actor: session, token: true, details: { name: 'CI' } },
      TOKEN_RESTRICTED: { actor: session, token: true, details: { allowedIps: '10.0.0.0/8,203.0.113.7/32', monthlyDocumentLimit: 500, scopes: 'DOCUMENTS_RENDER USAGE_READ' } },
      TOKEN_ROLLED: { actor: asToken, token: true, details: { gracePeriod: 'ONE_DAY' } },
      TOKEN_GRACE_ENDED: { actor: session, token: true, details: { previousSecretUseCount: 3 } },
      TOKEN_DELETED: { actor: session, token: true },
      TOKEN_DISABLED: { actor: session, token: true },
      TOKEN_ENABLED: { actor: session, token: true },
      TOKEN_EXPIRED: { actor: system, token: true },
      TOKEN_EXPIRING: { actor: system, token: true, details: { expiresAt: expiresAt.toISOString(), daysBefore: 7 } },
      TOKEN_LEAKED: { actor: scanner, token: true, details: { url: 'https://github.com/acme/app/blob/1/.env', source: 'commit', type: 'pogodoc_api_token' } },
      REVOKED_TOKEN_PRESENTED: { actor: { ...asToken, clientAddress: '198.51.100.9' }, token: true, details: { reason: 'API_TOKEN_EXPIRED' } },
      QUOTA_WARNING: { actor: asToken, token: true, details: { period, used: 80, quota: 100 } },
      QUOTA_REACHED: { actor: asToken, token: true, details: { period, used: 100, quota: 100 } },
      WEBHOOK_ENDPOINT_CREATED: { actor: session, details: { endpointId: 'endpoint-1', url: 'https://hooks.example.com/pogodoc', events: ['token.created', 'token.deleted'] } },
      WEBHOOK_ENDPOINT_DELETED: { actor: session, details: { endpointId: 'endpoint-1' } },
      WEBHOOK_SECRET_ROTATED: { actor: session, details: { endpointId: 'endpoint-1' } },
      TEAM_CREATED: { actor: session, details: { name: 'Billing' } },
      TEAM_DELETED: { actor: session, details: { teamId: 'team-1', name: 'Billing' } },
      TEAM_TWO_FACTOR_POLICY_CHANGED: { actor: session, details: { twoFactorRequired: true } },
      MEMBER_INVITED: { actor: session, details: { invitationId: 'invitation-1', email: 'bob@example.com', role: 'DEVELOPER' } },
      INVITATION_REVOKED: { actor: session, details: { invitationId: 'invitation-1' } },
      MEMBER_JOINED: { actor: { ...session, user: { id: 'bob', email: 'bob@example.com' } }, details: { invitationId: 'invitation-1', userId: 'bob', email: 'bob@example.com', role: 'DEVELOPER' } },
      MEMBER_ROLE_CHANGED: { actor: session, details: { userId: 'bob', email: 'bob@example.com', from: 'DEVELOPER', to: 'ADMIN' } },
      MEMBER_REMOVED: { actor: session, details: { userId: 'bob', email: 'bob@example.com', role: 'ADMIN' } },
      MEMBER_LEFT: { actor: { ...session, user: { id: 'bob', email: 'bob@example.com' } }, details: { userId: 'bob', email: 'bob@example.com', role: 'DEVELOPER' } },
      EMAIL_VERIFIED: { actor: session, details: { email: ana.email } },
      EMAIL_CHANGED: { actor: session, details: { from: ana.email, to: 'ana@new.example.com' } },
    };
    // one of each type, a second apart, an hour ago (before the sign-up's own events would not matter)
    const start = now.getTime() - 60 * 60 * 1000;
    const events = schemaTypes.map((type, index) => {
      const seed = seeds[type] ?? { actor: session };
      return auditEvent(type as ServerEventType, seed.actor, new Date(start + index * 1000), {
        accountId: ana.accountId,
        tokenId: seed.token ? token.id : null,
        details: seed.details ?? null,
      });
    });
    await t.app.database.prisma.auditEvent.createMany({ data: events });

    const page = await openPage(ana.session, null);
    await page.getByTestId('activity').locator(`[data-event-id="${events[0]!.id}"]`).or(page.getByRole('button', { name: 'Load more' })).first().waitFor();
    await loadAll(page);
    const texts = new Map(await visibleRowTexts(page));
    const problems: string[] = [];
    for (const event of events) {
      const text = texts.get(event.id);
      if (text === undefined) problems.push(`${event.type}: no row`);
      else if (text.includes(event.type) || CODE.test(text) || text.includes('{"') || /Something happened/.test(text)) problems.push(`${event.type}: ${text}`);
    }
    expect(problems).toEqual([]);
    // and each type can be chosen on its own in the event filter
    const offered = await page.locator('#activity-event option').evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    expect(schemaTypes.filter((type) => !offered.includes(type))).toEqual([]);

    const sentenceOf = async (type: string) =>
      page.locator(`[data-event-id="${events.find((event) => event.type === type)!.id}"] [data-testid="activity-sentence"]`).innerText();
    const expiryDay = await page.evaluate((iso) => new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', ...(new Date(iso).getFullYear() === new Date().getFullYear() ? {} : { year: 'numeric' }) }).format(new Date(iso)), expiresAt.toISOString());
    expect(await sentenceOf('TOKEN_LEAKED')).toBe('A secret scanner found the token “CI” in public at https://github.com/acme/app/blob/1/.env and it was revoked');
    expect(await sentenceOf('TOKEN_EXPIRING')).toBe(`The token “CI” will expire on ${expiryDay} (in 7 days)`);
    expect(await sentenceOf('QUOTA_WARNING')).toBe('Your account has used 80 of 100 documents this month');
    expect(await sentenceOf('TOKEN_DELETED')).toBe(`${ana.email} deleted the token “CI” from 203.0.113.7`);
    // a token that rolled itself (through the API) is the sentence's subject, once
    expect(await sentenceOf('TOKEN_ROLLED')).toBe('The token “CI” rolled its own secret from 198.51.100.4; the previous secret kept working for a day');
    expect(await sentenceOf('REVOKED_TOKEN_PRESENTED')).toBe('Someone used the expired token “CI” from 198.51.100.9; it was refused');
    expect(await sentenceOf('TOKEN_RESTRICTED')).toBe(
      `${ana.email} changed the restrictions of the token “CI” from 203.0.113.7: only from 10.0.0.0/8, 203.0.113.7/32; a monthly limit of 500 documents; may make documents, read usage`,
    );
    expect(await sentenceOf('MEMBER_ROLE_CHANGED')).toBe(`${ana.email} changed the role of bob@example.com from developer to admin, from 203.0.113.7`);
    expect(await sentenceOf('SIGN_IN_FAILED')).toBe('A sign-in failed from 203.0.113.66: the two-factor code was wrong');
    await expectAccessible(page, 'every kind of event as a sentence');
    const activity = page.locator('section.activity');
    await page.locator(`[data-event-id="${events.find((event) => event.type === 'TOKEN_RESTRICTED')!.id}"] summary`).click();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await activity.screenshot({ path: path.join(ARTIFACTS, `activity-sentences-${colorScheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
    // phone widths: the rows and the filters wrap, nothing scrolls sideways (long URLs included)
    for (const width of [375, 320]) {
      await page.setViewportSize({ width, height: 800 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `sideways scroll at ${width} px`).toBe(0);
      await expectAccessible(page, `every kind of event as a sentence at ${width} px`);
      // the first rows, as a phone shows them
      await page.evaluate(() => document.querySelector('[data-testid="activity-row"]')?.scrollIntoView());
      await page.screenshot({ path: path.join(ARTIFACTS, `activity-sentences-${width}.png`) });
    }
    await page.close();
  });

  it('each filter narrows the list to what the API lists for it, and the address keeps it through reload and back', async () => {
    const team = await makeTeam('Billing');
    const { owner, member } = team;
    const alpha = await generate(team.as(owner.session), 'Alpha');
    const beta = await generate(team.as(owner.session), 'Beta');
    await rename(team.as(member.session), alpha, 'Alpha 2');
    await rename(team.as(owner.session), beta, 'Beta 2');
    expect((await t.gql(`mutation { deleteToken(id: "${beta}") { id } }`, {}, team.as(owner.session))).errors).toBeUndefined();
    // ten days ago: what the date range finds alone
    const tenDaysAgo = new Date(Date.now() - 10 * 24 * 60 * 60 * 1000);
    const old = auditEvent('TOKEN_RENAMED', { type: 'SESSION', id: 'old-session', user: { id: owner.accountId, email: owner.email }, clientAddress: '203.0.113.7', userAgent: null }, tenDaysAgo, {
      accountId: team.id,
      tokenId: alpha,
      details: { name: 'Alpha 1' },
    });
    const warning = auditEvent('QUOTA_WARNING', { type: 'API_TOKEN', id: alpha, clientAddress: '198.51.100.4', userAgent: null }, new Date(), {
      accountId: team.id,
      tokenId: alpha,
      details: { period: new Date().toISOString().slice(0, 7), used: 80, quota: 100 },
    });
    await t.app.database.prisma.auditEvent.createMany({ data: [old, warning] });

    const page = await openPage(owner.session, team.id);
    const everything = await apiIds(owner.session, team.id, {});
    await waitForRows(page, everything);
    // in a team, the quota sentence names the team
    expect(await page.locator(`[data-event-id="${warning.id}"] [data-testid="activity-sentence"]`).innerText()).toBe('Billing has used 80 of 100 documents this month');
    const filters = page.getByRole('search', { name: 'Filter activity' });
    const param = (name: string) => new URL(page.url()).searchParams.get(name);

    // by event
    await filters.getByLabel('Event', { exact: true }).selectOption('TOKEN_RENAMED');
    const renames = await apiIds(owner.session, team.id, { types: ['TOKEN_RENAMED'] });
    expect(renames).toHaveLength(3);
    await waitForRows(page, renames);
    expect(param('activity-event')).toBe('TOKEN_RENAMED');
    await page.reload();
    await waitForRows(page, renames);
    expect(await filters.getByLabel('Event', { exact: true }).inputValue()).toBe('TOKEN_RENAMED');
    await expectAccessible(page, 'Activity filtered by event');

    // by token (the event filter cleared first)
    await filters.getByLabel('Event', { exact: true }).selectOption('');
    await waitForRows(page, everything);
    await filters.getByLabel('Token', { exact: true }).selectOption(alpha);
    const alphaIds = await apiIds(owner.session, team.id, { tokenId: alpha });
    expect(alphaIds.length).toBeLessThan(everything.length);
    await waitForRows(page, alphaIds);
    expect(param('activity-token')).toBe(alpha);
    await page.reload();
    await waitForRows(page, alphaIds);
    expect(await filters.getByLabel('Token', { exact: true }).inputValue()).toBe(alpha);

    // by member, with the token filter still on: the member's rename of Alpha only
    await filters.getByLabel('Member', { exact: true }).selectOption(member.accountId);
    const bobsAlpha = await apiIds(owner.session, team.id, { tokenId: alpha, actorUserId: member.accountId });
    expect(bobsAlpha).toHaveLength(1);
    await waitForRows(page, bobsAlpha);
    const [bobsRename] = await page.getByTestId('activity-sentence').allInnerTexts();
    expect(bobsRename).toMatch(new RegExp(`^${escape(member.email)} renamed a token to “Alpha 2” from `));
    // back: the token filter alone again; forward: the member too
    await page.goBack();
    await waitForRows(page, alphaIds);
    expect(await filters.getByLabel('Member', { exact: true }).inputValue()).toBe('');
    await page.goForward();
    await waitForRows(page, bobsAlpha);
    await filters.getByRole('button', { name: 'Clear filters' }).click();
    await waitForRows(page, everything);
    await filters.getByLabel('Member', { exact: true }).selectOption(member.accountId);
    const bobs = await apiIds(owner.session, team.id, { actorUserId: member.accountId });
    expect(bobs.length).toBeGreaterThan(0);
    expect(bobs.length).toBeLessThan(everything.length);
    await waitForRows(page, bobs);
    for (const sentence of await page.getByTestId('activity-sentence').allInnerTexts()) expect(sentence.startsWith(member.email)).toBe(true);
    await page.reload();
    await waitForRows(page, bobs);
    expect(await filters.getByLabel('Member', { exact: true }).inputValue()).toBe(member.accountId);

    // by days: the day of the old rename, alone
    await filters.getByRole('button', { name: 'Clear filters' }).click();
    await waitForRows(page, everything);
    const day = localDay(tenDaysAgo);
    await filters.getByLabel('From', { exact: true }).fill(day);
    await filters.getByLabel('To', { exact: true }).fill(day);
    await waitForRows(page, [old.id]);
    expect([param('activity-from'), param('activity-to')]).toEqual([day, day]);
    await page.reload();
    await waitForRows(page, [old.id]);
    expect(await filters.getByLabel('From', { exact: true }).inputValue()).toBe(day);
    // up to yesterday: only the old one; from today: all but it
    await filters.getByLabel('From', { exact: true }).fill('');
    await filters.getByLabel('To', { exact: true }).fill(localDay(new Date(Date.now() - 24 * 60 * 60 * 1000)));
    await waitForRows(page, [old.id]);
    await filters.getByLabel('To', { exact: true }).fill('');
    await filters.getByLabel('From', { exact: true }).fill(localDay(new Date()));
    await waitForRows(page, everything.filter((id) => id !== old.id));
    await expectAccessible(page, 'Activity filtered by days');
    await page.close();
  });

  it('exports the whole filtered range from the server: more rows than the page has loaded, all of the filter', async () => {
    const team = await makeTeam('Exports');
    const headers = team.as(team.owner.session);
    const exported = await generate(headers, 'Exported');
    const other = await generate(headers, 'Other');
    const renames = 60;
    for (let index = 1; index <= renames; index++) await rename(headers, exported, `Exported ${index}`);
    for (let index = 1; index <= 3; index++) await rename(headers, other, `Other ${index}`);

    const page = await openPage(team.owner.session, team.id);
    const filters = page.getByRole('search', { name: 'Filter activity' });
    await filters.getByLabel('Event', { exact: true }).selectOption('TOKEN_RENAMED');
    await filters.getByLabel('Token', { exact: true }).selectOption(exported);
    const expected = await apiIds(team.owner.session, team.id, { types: ['TOKEN_RENAMED'], tokenId: exported });
    expect(expected).toHaveLength(renames);
    // the page holds its first 50, and offers more
    await waitForRows(page, expected.slice(0, 50));
    await page.getByTestId('activity').getByRole('button', { name: 'Load more' }).waitFor();

    const link = page.getByRole('link', { name: 'Export CSV' });
    const href = new URL((await link.getAttribute('href'))!, url);
    expect(href.pathname).toBe('/activity/export.csv');
    expect(Object.fromEntries(href.searchParams)).toEqual({ types: 'TOKEN_RENAMED', tokenId: exported, team: team.id });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(await download.failure()).toBeNull();
    const [header, ...rows] = parseCsv(readFileSync((await download.path())!, 'utf8'));
    expect(header).toEqual(['time', 'type', 'actorType', 'actorEmail', 'actorId', 'tokenId', 'tokenName', 'clientAddress', 'userAgent', 'details']);
    expect(rows.length).toBe(renames);
    expect(rows.length).toBeGreaterThan(await page.getByTestId('activity-row').count());
    for (const row of rows) {
      expect(row[1]).toBe('TOKEN_RENAMED');
      expect(row[5]).toBe(exported);
      expect(row[3]).toBe(team.owner.email);
    }
    // newest first, every rename once
    expect(rows.map((row) => JSON.parse(row[9]!).name)).toEqual(Array.from({ length: renames }, (_, index) => `Exported ${renames - index}`));

    // the date range goes into the export too: nothing before today's start
    await filters.getByLabel('From', { exact: true }).fill(localDay(new Date(Date.now() + 24 * 60 * 60 * 1000)));
    await page.getByTestId('activity').getByText('No activity matches these filters.').waitFor();
    const [empty] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(parseCsv(readFileSync((await empty.path())!, 'utf8'))).toHaveLength(1);
    await page.close();
  });
});
