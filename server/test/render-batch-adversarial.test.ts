// An outside review of the render batches on real renderer processes (liquid-template-renderer.ts,
// render-process.ts): a renderer ended in the middle of a batch, by the heap cap or the timeout,
// fails only the render it was in; the renders around it, of the same account and of others, come
// back with their own content; large outputs in one batch all arrive; close() settles a running
// batch and a queue. No assertion here is about time.
import { afterAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { LiquidTemplateRenderer } from '../src/rendering/liquid-template-renderer.js';

/** Spins far longer than any timeout, allocating almost nothing. */
const ENDLESS_LOOP = '{% assign r = (1..100000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}';

/** Eight reversed copies of a million items: past a 32 MiB heap, well within the item limits. */
function heapHog(): string {
  let template = '{% assign r = (1..1000000) %}';
  for (let i = 0; i < 8; i++) template += `{% assign copy${i} = r | reverse %}`;
  return template;
}

type Outcome = { content: string } | { code: string | undefined };
const outcome = (render: Promise<string>): Promise<Outcome> =>
  render.then((content) => ({ content }), (error: { code?: string }) => ({ code: error.code }));

function rendererWith(env: Record<string, string>) {
  const renderer = new LiquidTemplateRenderer(limitsFromEnv({ RENDER_THREADS: '2', ...env }));
  // a paying plan: the free accounts' slice of the pool is fair-slots.test.ts's subject, not this file's
  const job = (accountId: string, template: string, data: unknown) => outcome(renderer.render({ accountId, planId: 'business', template, dataJson: JSON.stringify(data) }));
  return { renderer, job };
}

describe('a renderer ended by its heap cap in the middle of a batch', () => {
  const { renderer, job } = rendererWith({ RENDER_HEAP_MB: '32', RENDER_TIMEOUT_MS: '5000' });
  afterAll(() => renderer.close());

  it('fails only the render that filled it; the renders before and after it in the batch are rendered, each with its own data', async () => {
    // the first goes alone; the rest wait for it and go as one batch: 5 cheap, the hog, 5 cheap
    const first = job('heap', 'first {{ n }}', { n: 0 });
    const before = Array.from({ length: 5 }, (_, i) => job('heap', 'b{{ n }}', { n: i }));
    const hog = job('heap', heapHog(), {});
    const after = Array.from({ length: 5 }, (_, i) => job('heap', 'a{{ n }}', { n: i }));
    const neighbour = job('other', '{{ who }} here', { who: 'neighbour' });
    expect(await first).toEqual({ content: 'first 0' });
    expect(await hog).toEqual({ code: 'RENDER_FAILED' });
    expect(await Promise.all(before)).toEqual(Array.from({ length: 5 }, (_, i) => ({ content: `b${i}` })));
    expect(await Promise.all(after)).toEqual(Array.from({ length: 5 }, (_, i) => ({ content: `a${i}` })));
    expect(await neighbour).toEqual({ content: 'neighbour here' });
  });

  it('two hogs in one batch fail both, each once, and the cheap renders between them still come back', async () => {
    const first = job('heap2', 'x', {});
    const queued = [job('heap2', 'c{{ n }}', { n: 1 }), job('heap2', heapHog(), {}), job('heap2', 'c{{ n }}', { n: 2 }), job('heap2', heapHog(), {}), job('heap2', 'c{{ n }}', { n: 3 })];
    expect(await first).toEqual({ content: 'x' });
    expect(await Promise.all(queued)).toEqual([
      { content: 'c1' },
      { code: 'RENDER_FAILED' },
      { content: 'c2' },
      { code: 'RENDER_FAILED' },
      { content: 'c3' },
    ]);
  });
});

describe('timeouts mixed with cheap renders over several accounts', () => {
  const { renderer, job } = rendererWith({ RENDER_TIMEOUT_MS: '300', RENDER_CONCURRENCY_PER_ACCOUNT: '1' });
  afterAll(() => renderer.close());

  it('only the endless renders get RENDER_TIMEOUT; every cheap render of every account gets its own content, once', async () => {
    const expected: Outcome[] = [];
    const renders: Array<Promise<Outcome>> = [];
    for (let round = 0; round < 3; round++) {
      for (const account of ['hostile', 'mixed', 'quiet']) {
        for (let i = 0; i < 6; i++) {
          const endless = (account === 'hostile' && i % 2 === 1) || (account === 'mixed' && i === 3 && round !== 1);
          if (endless) {
            renders.push(job(account, ENDLESS_LOOP, {}));
            expected.push({ code: 'RENDER_TIMEOUT' });
          } else {
            renders.push(job(account, '{{ a }}:{{ r }}:{{ i }}', { a: account, r: round, i }));
            expected.push({ content: `${account}:${round}:${i}` });
          }
        }
      }
    }
    expect(await Promise.all(renders)).toEqual(expected);
  });
});

describe('large outputs in one batch', () => {
  const { renderer, job } = rendererWith({ RENDER_HEAP_MB: '32', RENDER_TIMEOUT_MS: '5000' });
  afterAll(() => renderer.close());

  it('each of eight renders of almost the output limit comes back whole, and the renderer still renders after them', async () => {
    const piece = 'y'.repeat(1024);
    // 4,000 KiB each: just under the 4 MiB default limit, so the batch yields after the first or second
    const large = '{% for i in (1..4000) %}{{ p }}{% endfor %}{{ n }}';
    const first = job('large', 'go', {});
    const renders = Array.from({ length: 8 }, (_, n) => job('large', large, { p: piece, n }));
    expect(await first).toEqual({ content: 'go' });
    const results = await Promise.all(renders);
    results.forEach((result, n) => {
      expect('content' in result).toBe(true);
      const content = (result as { content: string }).content;
      expect(content.length).toBe(4000 * 1024 + `${n}`.length);
      expect(content.endsWith(`y${n}`)).toBe(true);
    });
    expect(await job('large', 'still {{ up }}', { up: 'here' })).toEqual({ content: 'still here' });
  });
});

describe('close() during a batch', () => {
  it('settles the running batch, the renders waiting behind it and those of other accounts, and refuses new ones', async () => {
    const { renderer, job } = rendererWith({ RENDER_TIMEOUT_MS: '5000' });
    // one account's renderer is in an endless render; cheap ones of its own wait behind it
    const running = job('closing', ENDLESS_LOOP, {});
    const waiting = Array.from({ length: 10 }, (_, i) => job('closing', '{{ i }}', { i }));
    const other = job('bystander', 'fine', {});
    expect(await other).toEqual({ content: 'fine' });
    // give the endless render time to be on its renderer: no assertion depends on it
    await new Promise((resolve) => setTimeout(resolve, 100));
    await renderer.close();
    const results = await Promise.all([running, ...waiting]);
    // every one answered (none pending); none of the queued ones was answered with a result
    expect(results).toHaveLength(11);
    for (const result of results) expect('code' in result || 'content' in result).toBe(true);
    expect(results.slice(1).every((result) => !('content' in result))).toBe(true);
    expect(await outcome(renderer.render({ accountId: 'closing', planId: 'business', template: 'x', dataJson: '{}' }))).toEqual({ code: undefined });
  });
});

describe('a cheap render queued just ahead of renders that end their renderer', () => {
  // Before the batches, each render had a turn of its own: a cheap render answered in its turn,
  // whatever came behind it. In a batch, its result must survive the next render of the batch
  // ending the renderer (each result is sent back as soon as it is made); lost and queued again,
  // it would share its next batch with the next render behind it, again and again for as long as
  // its account had such renders waiting (the outside review found this).
  // Shown by order: no assertion here is about time.
  const killers: Array<{ kind: string; name: string; template: (i: number) => string; code: string; env: Record<string, string> }> = [
    { kind: 'endless renders', name: 'endless', template: (i: number) => `${ENDLESS_LOOP}{{ ${i} }}`, code: 'RENDER_TIMEOUT', env: { RENDER_TIMEOUT_MS: '300' } },
    { kind: "renders that fill their renderer's heap", name: 'hog', template: (i: number) => `${heapHog()}{{ ${i} }}`, code: 'RENDER_FAILED', env: { RENDER_HEAP_MB: '32', RENDER_TIMEOUT_MS: '5000' } },
  ];
  it.each(killers)('is answered before the second of four $kind behind it (its own turn used to come before the first)', async ({ name, template, code, env }) => {
    const { renderer, job } = rendererWith({ ...env, RENDER_CONCURRENCY_PER_ACCOUNT: '1' });
    try {
      const account = `starve-${name}`;
      const order: string[] = [];
      const track = (label: string, render: Promise<Outcome>) => render.then((result) => (order.push(label), result));
      // the first goes alone (and warms the renderer); the others wait for it and go as one batch
      const first = track('first', job(account, 'Hi {{ n }}', { n: 0 }));
      const cheap = track('cheap', job(account, 'Hi {{ n }}', { n: 1 }));
      const behind = Array.from({ length: 4 }, (_, i) => track(`${name}-${i + 1}`, job(account, template(i), {})));
      expect(await first).toEqual({ content: 'Hi 0' });
      expect(await cheap).toEqual({ content: 'Hi 1' });
      expect(await Promise.all(behind)).toEqual(Array(4).fill({ code }));
      // queued again with the renders behind it, the order was first, endless-1 … endless-4, cheap
      expect(order.indexOf('cheap'), order.join(' ')).toBeLessThan(order.indexOf(`${name}-2`));
    } finally {
      await renderer.close();
    }
  });
});
