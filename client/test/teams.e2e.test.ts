// Teams on the dashboard, in real headless Chromiums (one per person) against the real server:
// making a team, switching to it, inviting with a link shown once, joining from the link, changing
// a role, a removal that takes the removed person's open page back to their personal team, and
// deleting the team. Inviting and joining need a verified address: each person is refused first,
// then follows the link their sign-up mailed them (read from the server's dev mailbox) in the page.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { expectAccessible } from './axe.js';
import { launchBrowser } from './browser.js';
import { dashboardLink, MAIL_POLL_MS, nextMail, openLink, VERIFY_SUBJECT } from './mailbox.js';

let t: TestApp;
let url: string;
let ownerBrowser: BrowserContext;
let memberBrowser: BrowserContext;

beforeAll(async () => {
  // mail delivered as a running server delivers it, on its own timer (the API suites turn it off)
  t = await createTestApp({ mailPollMs: MAIL_POLL_MS });
  url = await t.app.start(0, '127.0.0.1');
  [ownerBrowser, memberBrowser] = await Promise.all([launchBrowser(), launchBrowser()]);
});
afterAll(async () => {
  await Promise.all([ownerBrowser?.close(), memberBrowser?.close()]);
  await t?.close();
});

async function signedInPage(browser: BrowserContext, session: string, path = '/'): Promise<Page> {
  await browser.clearCookies();
  await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
  const page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${url}${path}`);
  await page.getByRole('heading', { name: 'Team' }).waitFor();
  return page;
}

/** The person follows the link their sign-up mailed them, in the page they have open: the banner goes. */
async function verifyInPage(page: Page, email: string) {
  const banner = page.getByRole('region', { name: 'E-mail verification' });
  await banner.getByText(`Verify your e-mail address ${email}: we sent you a link.`).waitFor();
  const message = await nextMail(url, email, VERIFY_SUBJECT);
  await openLink(page, url, dashboardLink(message, 'verify'));
  await page.getByTestId('verify-outcome').getByText('Your e-mail address is verified.').waitFor();
  await banner.waitFor({ state: 'detached' });
  expect(new URL(page.url()).hash).toBe('');
}

describe('teams on the dashboard', () => {
  it('a team is made, a person joins it from an invitation link, gets another role, and is removed', async () => {
    const owner = await t.signUp({ plan: 'pro', verified: false });
    const member = await t.signUp({ plan: 'pro', verified: false });
    const page = await signedInPage(ownerBrowser, owner.session);
    const team = page.getByRole('region', { name: 'Team' });
    await team.getByText('This is your personal team').waitFor();

    // make a team: the page switches to it
    await team.getByLabel('New team name').fill('Frontend');
    await team.getByRole('button', { name: 'Create team' }).click();
    await page.getByText('Working in the team Frontend').waitFor();
    const switcher = page.getByRole('combobox', { name: 'Team', exact: true });
    await expect.poll(() => switcher.locator('option:checked').textContent()).toBe('Frontend · Owner');
    const teamId = await switcher.inputValue();
    // its plan, so that its live counts run (the plan picker is the tokens page's own, tested elsewhere)
    expect((await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, { ...bearer(owner.session), 'pogodoc-team': teamId })).errors).toBeUndefined();

    // inviting needs a verified address: refused with the reason, then the owner follows their link
    await team.getByLabel('Email').fill(member.email);
    await team.getByLabel('Role').selectOption('DEVELOPER');
    await team.getByRole('button', { name: 'Invite' }).click();
    await team.getByRole('alert').filter({ hasText: 'Verify your e-mail address first' }).waitFor();
    await verifyInPage(page, owner.email);
    await page.getByText('Working in the team Frontend').waitFor();

    // invite: the link is shown once, and the invitation waits
    await team.getByLabel('Email').fill(member.email);
    await team.getByLabel('Role').selectOption('DEVELOPER');
    await team.getByRole('button', { name: 'Invite' }).click();
    const link = (await page.getByTestId('invitation-link').locator('code').textContent())!.trim();
    expect(link).toMatch(new RegExp(`^${url}/#invitation=pgi_[0-9A-Za-z]{36}$`));
    await team.getByRole('button', { name: `Revoke invitation for ${member.email}` }).waitFor();
    await expectAccessible(page, 'the Team section with an invitation');

    // the invited person opens the link, signed in; joining needs a verified address too: refused
    // with the reason, they follow their verification link in the same page, and then join
    const memberPage = await signedInPage(memberBrowser, member.session, new URL(link).pathname + new URL(link).hash);
    const invitation = memberPage.getByRole('region', { name: 'Invitation' });
    await invitation.getByRole('button', { name: 'Join the team' }).click();
    await invitation.getByRole('alert').filter({ hasText: 'Verify your e-mail address first' }).waitFor();
    await verifyInPage(memberPage, member.email);
    await invitation.getByRole('button', { name: 'Join the team' }).click();
    await memberPage.getByText('Working in the team Frontend').waitFor();
    await expect.poll(() => memberPage.getByRole('combobox', { name: 'Team', exact: true }).locator('option:checked').textContent()).toBe('Frontend · Developer');
    expect(new URL(memberPage.url()).hash).toBe('');
    // a developer sees the members and cannot invite
    const memberTeam = memberPage.getByRole('region', { name: 'Team' });
    await memberTeam.getByRole('cell', { name: owner.email, exact: true }).waitFor();
    expect(await memberTeam.getByRole('button', { name: 'Invite' }).count()).toBe(0);

    // the owner sees the new member, and makes them a viewer
    await page.reload();
    await team.getByRole('cell', { name: member.email, exact: true }).waitFor();
    await team.getByLabel(`Role of ${member.email}`).selectOption('VIEWER');
    await expect
      .poll(async () => (await t.gql('{ teamMembers { userId role } }', {}, { ...bearer(owner.session), 'pogodoc-team': teamId })).data.teamMembers)
      .toContainEqual({ userId: member.accountId, role: 'VIEWER' });

    // removed: the member's open page goes back to their personal team at once, and says why
    await team.getByRole('button', { name: `Remove ${member.email}` }).click();
    await memberPage.getByRole('status').filter({ hasText: 'You are back in your personal team' }).waitFor();
    await expect.poll(() => memberPage.getByRole('combobox', { name: 'Team', exact: true }).locator('option').count()).toBe(1);
    await memberPage.getByText('This is your personal team').waitFor();
    await expectAccessible(memberPage, 'back in the personal team after a removal');

    // the owner deletes the team, typing its name: the page goes back to the personal team
    const deleteButton = team.getByRole('button', { name: 'Delete team' });
    expect(await deleteButton.isDisabled()).toBe(true);
    await team.getByLabel('Type Frontend to confirm').fill('Frontend');
    await deleteButton.click();
    await team.getByText('This is your personal team').waitFor();
    await expect.poll(() => switcher.locator('option').count()).toBe(1);
    expect((await t.gql('{ teams { team { id } } }', {}, bearer(owner.session))).data.teams).toEqual([{ team: { id: owner.accountId } }]);
  }, 60_000);
});
