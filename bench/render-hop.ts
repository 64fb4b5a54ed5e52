// Workload 1d: what a render costs for crossing to a renderer process and back (issue 21), against
// the same template rendered by liquidjs in this process, in the same run. The trip is the price
// of the fence: a renderer that dies takes only itself.
import { Liquid } from 'liquidjs';
import { limitsFromEnv } from '../server/src/config.js';
import { LiquidTemplateRenderer } from '../server/src/rendering/liquid-template-renderer.js';

type Add = (workload: string, metric: string, ours: number, target: string, options?: { baseline?: number; met?: boolean }) => void;

const WORKLOAD = '1d. renderer process hop';
const TEMPLATE = 'Invoice for {{ customer }}';
const DATA = { customer: 'Ada' };

export async function renderHop(add: Add, { renders = 20_000, oneAtATime = 2_000 } = {}) {
  // in this process, no hop: the floor
  const engine = new Liquid({ ownPropertyOnly: true });
  const parsed = engine.parse(TEMPLATE);
  for (let i = 0; i < 2_000; i++) engine.renderSync(parsed, DATA);
  let started = performance.now();
  for (let i = 0; i < renders; i++) engine.renderSync(parsed, JSON.parse(JSON.stringify(DATA)));
  const inProcessMs = performance.now() - started;

  const renderer = new LiquidTemplateRenderer(limitsFromEnv({ RENDER_PROCESSES: '2' }));
  const job = (accountId: string) => renderer.render({ accountId, planId: 'business', template: TEMPLATE, dataJson: JSON.stringify(DATA) });
  try {
    for (let i = 0; i < 2_000; i++) await job(`warm-${i % 8}`);
    // one at a time: the round trip of a lone render
    started = performance.now();
    for (let i = 0; i < oneAtATime; i++) await job('alone');
    const aloneMs = performance.now() - started;
    // many at once from eight accounts, as under load: the batches carry them
    started = performance.now();
    await Promise.all(Array.from({ length: 8 }, async (_, account) => {
      const inFlight: Array<Promise<string>> = [];
      for (let i = 0; i < renders / 8; i++) {
        inFlight.push(job(`account-${account}`));
        if (inFlight.length === 64) await Promise.all(inFlight.splice(0));
      }
      await Promise.all(inFlight);
    }));
    const loadedMs = performance.now() - started;

    const inProcessPerRenderUs = (inProcessMs * 1000) / renders;
    add(WORKLOAD, 'one render at a time, round trip (µs)', (aloneMs * 1000) / oneAtATime, 'report', { baseline: inProcessPerRenderUs });
    add(WORKLOAD, 'renders/s, 8 accounts × 64 in flight, 2 renderers', renders / (loadedMs / 1000), 'report', { baseline: renders / (inProcessMs / 1000) });
  } finally {
    await renderer.close();
  }
}
