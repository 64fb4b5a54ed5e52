// A renderer process (renderer-pool.ts starts them): tenants' templates run here, never in the
// server process. Nothing of the server's environment (its database URL, its secrets) is passed on.
//
// One message = one account's batch of renders (fair-slots.ts says why): each parsed through this
// process's cache and rendered in turn, each result sent back as soon as it is made, until the
// batch has used its time. The hard limits are enforced from outside: the pool kills this process
// at the render timeout, and V8 ends it at its heap cap (--max-old-space-size); either way only
// this process ends, and the server answers the render it was on. What is checked here is what
// only the renderer can see as it happens: the output, counted as it is produced, and the size of
// each list and text that ranges and filters make.
import { Context, Liquid, toValue, type Emitter, type FilterImplOptions, type Template } from 'liquidjs';
import { LRUCache } from 'lru-cache';
import { parsedTemplateCost } from './parse-cost.js';
import type { RenderRequest, RenderResult } from './renderer-pool.js';

const { maxOutputBytes, cacheBytes }: { maxOutputBytes: number; cacheBytes: number } = JSON.parse(process.argv[2] ?? '{}');

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
// the render's memory limiter. Ours adds a cap on any single charge and on each render's total,
// so that a template that allocates a lot is answered with a clear error rather than by the heap
// cap (which ends this process, and with it the parse cache and the batch's later renders).
const MAX_ITEMS_AT_ONCE = 1_000_000;
const MAX_ITEMS_PER_RENDER = 16_000_000;
let allocationRefused = false;

class AllocationLimiter {
  base = 0;
  use(count: number) {
    count = +count;
    if (!(count > 0)) return;
    if (count > MAX_ITEMS_AT_ONCE || this.base + count > MAX_ITEMS_PER_RENDER) {
      allocationRefused = true;
      throw new Error('too large an allocation');
    }
    this.base += count;
  }
  check(count: number) {
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

/**
 * How many characters liquidjs's stringify would make of `value` (lists are joined, nested
 * lists too), counted without making them, and given up on once past `limit`: a list of a
 * hundred references to one long text is short, its joined text is not.
 */
function joinedLength(value: unknown, limit: number): number {
  value = toValue(value);
  if (typeof value === 'string') return value.length;
  if (value === null || value === undefined) return 0;
  if (!Array.isArray(value)) return String(value).length;
  let total = 0;
  for (const item of value) {
    // each item costs at least one, so that a long list of empty texts is not free to walk
    total += Math.max(1, joinedLength(item, limit - total));
    if (total > limit) return total;
  }
  return total;
}

function stringify(value: unknown): string {
  value = toValue(value);
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(stringify).join('');
  return String(value);
}

class CountingEmitter implements Emitter {
  buffer = '';
  write(html: unknown) {
    // a list is measured before it is joined: joined first, it could be far larger than the budget
    if (Array.isArray(toValue(html)) && joinedLength(html, outputBudget) > outputBudget) {
      outputExceeded = true;
      throw new OutputTooLarge();
    }
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
engine.renderer.renderTemplates = function (templates, ctx, emitter?: Emitter) {
  return renderTemplates(templates, ctx, emitter ?? new CountingEmitter());
};

// --- lists given to filters ------------------------------------------------------------------
// Most filters stringify their input and arguments before they charge the memory limiter, and
// stringifying a list joins it: a hundred references to one long text become one text a hundred
// times as long, which nothing charged. So every filter but those that work on a list as a list
// first charges the joined length of each list it is given, and a list that would join into more
// than one allocation may hold is refused before it is built. Filters not named here (including
// any a later liquidjs adds) are charged: the safe default.
const LIST_FILTERS = new Set([
  'size', 'first', 'last', 'map', 'where', 'where_exp', 'reject', 'reject_exp', 'find', 'find_exp',
  'find_index', 'find_index_exp', 'group_by', 'group_by_exp', 'has', 'has_exp', 'sort', 'sort_natural',
  'uniq', 'compact', 'reverse', 'concat', 'push', 'pop', 'shift', 'unshift', 'slice', 'sum', 'default',
]);

function chargeJoinedLists(limiter: AllocationLimiter, values: unknown[]) {
  for (let value of values) {
    // a keyword argument (name: value) arrives as [name, value]
    value = toValue(value);
    if (!Array.isArray(value)) continue;
    limiter.use(joinedLength(value, MAX_ITEMS_AT_ONCE));
  }
}

for (const [name, filter] of Object.entries(engine.filters)) {
  if (LIST_FILTERS.has(name)) continue;
  const options: Exclude<FilterImplOptions, Function> = typeof filter === 'function' ? { handler: filter, raw: false } : filter;
  const handler = options.handler;
  engine.registerFilter(name, {
    ...options,
    handler(...values) {
      // the limiter is ours: every render's context is made with an AllocationLimiter (below)
      chargeJoinedLists(this.context.memoryLimit as unknown as AllocationLimiter, values);
      return handler.apply(this, values);
    },
  });
}

// --- the parse cache --------------------------------------------------------------------------
// Parsing was the larger part of rendering the few templates an integrator sends over and over.
// The cache lives in this worker (a terminated worker takes its cache with it) and is keyed by
// account and template, so one account's renders never find another's parse: its timing says
// nothing about what other accounts sent.
//
// It is bounded by the heap its parse trees hold, not by their text: see parse-cost.ts.
const parsedTemplates = new LRUCache<string, Template[]>({ maxSize: Math.max(1, cacheBytes) });

// liquidjs messages name the problem and its line, and contain nothing of ours.
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0]!.slice(0, 200);
}

/**
 * Renders one account's batch in order, sending each result as soon as it is made: the pool then
 * knows which render it is on (its timeout starts from the last result) and keeps every result
 * made before this process ends. It gives the process back once it has rendered for
 * `yieldAfterMs`, or once its results hold as much output as one render may make: the renders it
 * did not reach are queued again.
 */
function renderBatch({ renders, yieldAfterMs }: { renders: RenderRequest[]; yieldAfterMs: number }) {
  const began = Date.now();
  let outputChars = 0;
  let index = 0;
  for (; index < renders.length; index++) {
    if (index > 0 && (Date.now() - began >= yieldAfterMs || outputChars >= maxOutputBytes)) break;
    const { accountId, template, dataJson } = renders[index]!;
    const result = render(accountId, template, dataJson);
    if (result.ok) outputChars += result.content.length;
    send({ type: 'result', index, result });
  }
  send({ type: 'done', rendered: index });
}

/** What the pool hears from this process (renderer-pool.ts). */
function send(message: { type: 'ready' } | { type: 'result'; index: number; result: RenderResult } | { type: 'done'; rendered: number }) {
  process.send!(message);
}

process.on('message', (message: { type?: string; renders: RenderRequest[]; yieldAfterMs: number } | undefined) => {
  if (message?.type === 'batch') renderBatch(message);
});
// the server is gone: nothing will ask for a render again
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });

function render(accountId: string, template: string, dataJson: string): RenderResult {
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
    // liquidjs types its limiter as its own class (private fields); ours has the same two methods
    const memoryLimit = new AllocationLimiter() as unknown as Context['memoryLimit'];
    const context = new Context(JSON.parse(dataJson), engine.options, { sync: true }, { liquid: engine, memoryLimit });
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
