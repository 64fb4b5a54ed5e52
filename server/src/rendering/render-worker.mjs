// Runs inside the render pool's worker threads (liquid-template-renderer.ts), never on the main
// event loop. Plain JavaScript so that it loads as it is under `tsx` (npm start), vitest and
// plain node alike: a worker thread does not inherit a TypeScript loader reliably.
//
// One task = one account's batch of renders (fair-slots.ts says why): each parsed through this
// worker's cache and rendered in turn, until the batch has used its time. The hard limits are
// enforced from outside: the pool terminates this thread at the render timeout, and V8 at the
// heap cap (resourceLimits). What is checked here is what only the renderer can see as it
// happens: the output, counted as it is produced, and the size of each list and text that
// ranges and filters make.
import { Context, Liquid, toValue } from 'liquidjs';
import { LRUCache } from 'lru-cache';
import Piscina from 'piscina';
import { parsedTemplateCost } from './parse-cost.mjs';

/** @type {{ maxOutputBytes: number, cacheBytes: number }} */
const { maxOutputBytes, cacheBytes } = Piscina.workerData;

const engine = new Liquid({
  ownPropertyOnly: true,
  strictFilters: true,
  // No {% include %} or {% render %} of files: templates come only from the request.
  relativeReference: false,
  root: [],
  partials: [],
  layouts: [],
  parseLimit: 64 * 1024,
  // No renderLimit: liquidjs checks it only between tags, so a range is allocated before the
  // first check; the pool's timeout terminates the thread instead, wherever it is.
});

// --- allocations ------------------------------------------------------------------------------
// liquidjs charges what ranges and filters allocate (items of a list, characters of a text) to
// the render's memory limiter. Ours adds a cap on any single charge, because of how a thread dies
// at its heap cap: Node gives it 16 MiB of grace and ends it, which works when the allocation that
// reaches the cap is small, but one larger allocation there aborts the whole process instead
// (nodejs/node#47224). {% for i in (1..16000000) %} did exactly that. With at most a million
// items in any one list (8 MiB, 12 with its growth room), a render that fills its heap ends only
// its own thread, however it gets there.
const MAX_ITEMS_AT_ONCE = 1_000_000;
const MAX_ITEMS_PER_RENDER = 16_000_000;
let allocationRefused = false;

class AllocationLimiter {
  base = 0;
  use(count) {
    count = +count;
    if (!(count > 0)) return;
    if (count > MAX_ITEMS_AT_ONCE || this.base + count > MAX_ITEMS_PER_RENDER) {
      allocationRefused = true;
      throw new Error('too large an allocation');
    }
    this.base += count;
  }
  check(count) {
    if (+count > MAX_ITEMS_PER_RENDER) this.use(count);
  }
}

// --- the output limit -------------------------------------------------------------------------
// liquidjs writes everything a template prints into an emitter, and {% capture %} renders into an
// emitter of its own that it keeps as a string. Each emitter a render uses is one of these, and
// all of them charge one budget, so captured text counts as it is produced too: sixteen nested
// doublings of a capture stop at the budget instead of reaching 64 MiB.
let outputBudget = 0;
let outputExceeded = false;

class OutputTooLarge extends Error {}

function stringify(value) {
  value = toValue(value);
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(stringify).join('');
  return String(value);
}

class CountingEmitter {
  buffer = '';
  write(html) {
    const text = stringify(html);
    // UTF-16 length is a lower bound of UTF-8 bytes, and cheap enough to take on every write;
    // Buffer.byteLength walks the text only when the lower bound leaves the answer open
    outputBudget -= text.length > outputBudget ? text.length : Buffer.byteLength(text);
    if (outputBudget < 0) {
      outputExceeded = true;
      throw new OutputTooLarge();
    }
    this.buffer += text;
  }
}

const renderTemplates = engine.renderer.renderTemplates.bind(engine.renderer);
engine.renderer.renderTemplates = function (templates, ctx, emitter) {
  return renderTemplates(templates, ctx, emitter ?? new CountingEmitter());
};

// --- the parse cache --------------------------------------------------------------------------
// Parsing was the larger part of rendering the few templates an integrator sends over and over.
// The cache lives in this worker (a terminated worker takes its cache with it) and is keyed by
// account and template, so one account's renders never find another's parse: its timing says
// nothing about what other accounts sent.
//
// It is bounded by the heap its parse trees hold, not by their text: see parse-cost.mjs.
const parsedTemplates = new LRUCache({ maxSize: Math.max(1, cacheBytes) });

// liquidjs messages name the problem and its line, and contain nothing of ours.
function describe(error) {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].slice(0, 200);
}

/**
 * Renders one account's batch in order. It gives the thread back once it has rendered for
 * `yieldAfterMs`, or once its results hold as much output as one render may make (so that a batch
 * holds at most about two renders' worth of output): the renders it did not reach have no result,
 * and the pool queues them again.
 * @param {{ accountId: string, renders: Array<{ template: string, dataJson: string }>, progress: BigInt64Array, yieldAfterMs: number }} task
 */
export default function renderBatch({ accountId, renders, progress, yieldAfterMs }) {
  const results = [];
  const began = Date.now();
  let outputChars = 0;
  for (let index = 0; index < renders.length; index++) {
    if (index > 0 && (Date.now() - began >= yieldAfterMs || outputChars >= maxOutputBytes)) break;
    // each render's timeout runs from here (the pool reads these, and ends the thread in this
    // render); the time first, so that the pool never pairs this render with the last one's start
    Atomics.store(progress, 0, BigInt(Date.now()));
    Atomics.store(progress, 1, BigInt(index));
    const result = render(accountId, renders[index].template, renders[index].dataJson);
    if (result.ok) outputChars += result.content.length;
    results.push(result);
  }
  return results;
}

/**
 * @param {string} accountId
 * @param {string} template
 * @param {string} dataJson
 * @returns {{ ok: true, content: string } | { ok: false, code: 'TEMPLATE_INVALID' | 'RENDER_FAILED' | 'RENDER_OUTPUT_TOO_LARGE', detail: string }}
 */
function render(accountId, template, dataJson) {
  const key = `${accountId}\n${template}`;
  let parsed = parsedTemplates.get(key);
  if (!parsed) {
    try {
      parsed = engine.parse(template);
    } catch (error) {
      return { ok: false, code: 'TEMPLATE_INVALID', detail: describe(error) };
    }
    // an entry larger than the whole cache is simply not kept
    parsedTemplates.set(key, parsed, { size: parsedTemplateCost(template) });
  }
  outputBudget = maxOutputBytes;
  outputExceeded = false;
  allocationRefused = false;
  try {
    const context = new Context(JSON.parse(dataJson), engine.options, { sync: true }, { liquid: engine, memoryLimit: new AllocationLimiter() });
    // synchronous: no filter of ours is async, and one task runs at a time on this thread
    const content = engine.renderSync(parsed, context);
    return { ok: true, content };
  } catch (error) {
    if (outputExceeded) return { ok: false, code: 'RENDER_OUTPUT_TOO_LARGE', detail: '' };
    if (allocationRefused) {
      const items = MAX_ITEMS_AT_ONCE.toLocaleString('en');
      const perRender = MAX_ITEMS_PER_RENDER.toLocaleString('en');
      return { ok: false, code: 'RENDER_FAILED', detail: `a range, or a list or text that a filter makes, may hold at most ${items} items or characters (${perRender} in all per render)` };
    }
    return { ok: false, code: 'RENDER_FAILED', detail: describe(error) };
  } finally {
    outputBudget = 0;
  }
}
