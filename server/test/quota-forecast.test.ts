// The quota forecast: when this period's quota runs out at the recent rate (the last 7 days'
// documents ÷ 7 a day), on an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quotaForecast } from '../src/domain/metering.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

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

  it('a plan without a quota has no forecast', async () => {
    const { session } = await t.signUp({ plan: 'business' });
    const { secret } = await t.generateToken(session, 'unlimited');
    await t.renderDocument(secret);
    expect((await t.gql(FORECAST, {}, bearer(session))).data.viewer.quotaForecast).toBeNull();
  });
});
