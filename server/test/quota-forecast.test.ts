// The quota forecast: when this period's quota runs out at the recent rate (the last 7 days'
// documents ÷ 7 a day), on an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quotaForecast } from '../src/domain/metering.js';
import { MailTemplates } from '../src/mail/mail-templates.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

const MAIL_CONTEXT = { to: 'ada@example.com', dashboard_url: 'https://dashboard.example.com/', team_label: 'Billing', team_label_start: 'Billing', reset_date: '2027-01-01' };

const DAY = 24 * 60 * 60 * 1000;
// the 10th of a month at noon: three weeks before the period resets
const start = Date.parse('2026-12-10T12:00:00.000Z');
const startedAt = Date.now();
const clock = () => new Date(start + (Date.now() - startedAt));

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { clock });
});
afterAll(async () => {
  await t?.close();
});

const FORECAST = '{ viewer { quotaForecast currentPeriod { used quota } } }';

describe('quotaForecast', () => {
  it('the rule: none without a quota, without recent documents, once used up, or past the reset', () => {
    const now = new Date(start);
    const resetsAt = new Date('2027-01-01T00:00:00.000Z');
    expect(quotaForecast({ used: 30, quota: 100, resetsAt }, 70, now)).toEqual(new Date(start + 7 * DAY));
    expect(quotaForecast({ used: 30, quota: null, resetsAt }, 70, now)).toBeNull();
    expect(quotaForecast({ used: 30, quota: 100, resetsAt }, 0, now)).toBeNull();
    expect(quotaForecast({ used: 100, quota: 100, resetsAt }, 70, now)).toBeNull();
    expect(quotaForecast({ used: 30, quota: 100, resetsAt }, 7, now)).toBeNull(); // 70 days at 1 a day
  });

  it('from the documents counted: 70 this week on the free plan run out in 3 days', async () => {
    const { session } = await t.signUp({ plan: 'free' });
    expect((await t.gql(FORECAST, {}, bearer(session))).data.viewer.quotaForecast).toBeNull();
    const { secret } = await t.generateToken(session, 'busy');
    for (let document = 0; document < 70; document++) expect((await t.renderDocument(secret)).errors).toBeUndefined();
    const { viewer } = (await t.gql(FORECAST, {}, bearer(session))).data;
    expect(viewer.currentPeriod).toEqual({ used: 70, quota: 100 });
    // 30 left at 10 a day
    expect(Math.abs(Date.parse(viewer.quotaForecast) - (clock().getTime() + 3 * DAY))).toBeLessThan(60_000);
  });

  it('is in the 80% warning (its audit event, webhook and e-mail): 80 this week, 20 left, run out in 1.75 days', async () => {
    const { session } = await t.signUp({ plan: 'free' });
    const { secret } = await t.generateToken(session, 'warned');
    for (let document = 0; document < 80; document++) expect((await t.renderDocument(secret)).errors).toBeUndefined();
    const events = await t.gql('{ auditEventConnection(types: [QUOTA_WARNING]) { edges { node { details createdAt } } } }', {}, bearer(session));
    const [warning] = events.data.auditEventConnection.edges.map((edge: { node: { details: string; createdAt: string } }) => edge.node);
    const details = JSON.parse(warning.details);
    expect(details).toMatchObject({ used: 80, quota: 100, period: '2026-12' });
    expect(Math.abs(Date.parse(details.runsOutAt) - (Date.parse(warning.createdAt) + 1.75 * DAY))).toBeLessThan(1000);
    // the e-mail says the day
    const mail = await new MailTemplates().render('QUOTA_WARNING', {
      ...MAIL_CONTEXT,
      details,
      runs_out_date: details.runsOutAt.slice(0, 10),
    });
    expect(mail.text).toContain(`At the rate of the last 7 days, it runs out on ${details.runsOutAt.slice(0, 10)}.`);
    expect((await new MailTemplates().render('QUOTA_WARNING', { ...MAIL_CONTEXT, details: { used: 80, quota: 100 }, runs_out_date: '' })).text).not.toContain('runs out');
  });

  it('a plan without a quota has no forecast', async () => {
    const { session } = await t.signUp({ plan: 'business' });
    const { secret } = await t.generateToken(session, 'unlimited');
    await t.renderDocument(secret);
    expect((await t.gql(FORECAST, {}, bearer(session))).data.viewer.quotaForecast).toBeNull();
  });
});
