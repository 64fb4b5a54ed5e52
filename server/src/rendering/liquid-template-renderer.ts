// Templates are Liquid (liquidjs): a logic-light language with no access to JavaScript, the
// filesystem or the prototype chain (ownPropertyOnly). They come from tenants, so they run off
// the main event loop, in a pool of worker threads (render-worker.mjs), each render under limits
// that do not rely on the template's cooperation:
// - a wall-clock timeout that terminates the thread it runs on, wherever the render is;
// - a heap cap per thread (V8 ends the thread at it), with no single allocation large enough to
//   take the whole process down there (render-worker.mjs says why);
// - an output limit, counted in the worker as the output is produced.
// Each account gets its share of the threads (fair-slots.ts). A slow or hostile template thus
// costs its account a thread for at most the timeout, and every other account's requests keep
// being answered on the main loop and on the other threads.
import { Piscina } from 'piscina';
import type { Limits } from '../config.js';
import {
  DomainError,
  RenderMemoryExceededError,
  RenderOutputTooLargeError,
  RenderTimeoutError,
} from '../domain/errors.js';
import type { RenderJob, TemplateRenderer } from '../domain/documents.js';
import { FairSlots, type JobOutcome } from './fair-slots.js';

export type RenderLimits = Pick<
  Limits,
  | 'renderThreads'
  | 'renderConcurrencyPerAccount'
  | 'renderQueueBytesPerAccount'
  | 'renderQueueBytesTotal'
  | 'renderTimeoutMs'
  | 'renderHeapMb'
  | 'renderMaxOutputBytes'
  | 'renderCacheMb'
>;

type WorkerResult =
  | { ok: true; content: string }
  | { ok: false; code: 'TEMPLATE_INVALID' | 'RENDER_FAILED' | 'RENDER_OUTPUT_TOO_LARGE'; detail: string };

/**
 * When a render must be over, as the abort signal piscina takes (its EventEmitter kind, lighter
 * than an AbortController with its EventTarget on every batch). The clock of each render starts
 * when that render starts on its thread, not while it waits for a thread to boot (a few hundred ms
 * after one was terminated) or for the renders before it in its batch: the worker stamps when the
 * current render began, and which one it is, into `progress`.
 */
class RenderDeadline {
  /** [when the current render began (ms since the epoch, 0 before the first), its index in the batch] */
  readonly progress = new BigInt64Array(new SharedArrayBuffer(16));
  aborted = false;
  private listener: (() => void) | undefined;
  private timer: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.timer = setTimeout(() => this.check(), timeoutMs);
  }

  /** The render of the batch that was running when the thread was ended. */
  get current(): number {
    return Number(Atomics.load(this.progress, 1));
  }

  once(_event: 'abort', listener: () => void) {
    this.listener = listener;
  }

  // piscina's type asks for off(); at run time it calls removeListener()
  off() {
    this.listener = undefined;
  }

  removeListener() {
    this.listener = undefined;
  }

  clear() {
    clearTimeout(this.timer);
  }

  private check() {
    const started = Number(Atomics.load(this.progress, 0));
    const left = started === 0 ? this.timeoutMs : started + this.timeoutMs - Date.now();
    if (left > 0) {
      this.timer = setTimeout(() => this.check(), left);
      return;
    }
    this.aborted = true;
    this.listener?.();
  }
}

/** Renders one batch takes to its thread at most (fair-slots.ts says why there are batches). */
const MAX_BATCH = 32;
/** Template and data characters one batch takes at most. */
const MAX_BATCH_BYTES = 256 * 1024;
/**
 * After rendering this long, a batch gives its thread back and leaves the renders it did not reach
 * at the front of its account's queue: other accounts' turns stay about as frequent as with one
 * render per turn.
 */
const BATCH_YIELD_AFTER_MS = 10;

export class LiquidTemplateRenderer implements TemplateRenderer {
  private readonly pool: Piscina;
  private readonly slots: FairSlots<RenderJob, string>;

  constructor(private readonly limits: RenderLimits) {
    const threads = Math.max(1, limits.renderThreads);
    this.pool = new Piscina({
      filename: new URL('./render-worker.mjs', import.meta.url).href,
      // All threads up from the start, and one more than ever render at once: a terminated
      // thread's replacement takes a few hundred ms to boot, and meanwhile the spare keeps every
      // slot on a ready thread. Without it, the render after a timeout took the thread another
      // account was using, and that account's renders waited behind it (noisy-neighbour bench).
      minThreads: threads + 1,
      maxThreads: threads + 1,
      idleTimeout: Infinity,
      // plain JavaScript: no loader (tsx's, inherited from npm start, would slow each thread's start)
      execArgv: [],
      resourceLimits: {
        maxOldGenerationSizeMb: limits.renderHeapMb,
        maxYoungGenerationSizeMb: Math.min(16, Math.max(1, Math.floor(limits.renderHeapMb / 4))),
      },
      // the parse cache gets at most half the heap, so that renders always have the other half
      workerData: { maxOutputBytes: limits.renderMaxOutputBytes, cacheBytes: Math.min(limits.renderCacheMb, limits.renderHeapMb / 2) * 1024 * 1024 },
    });
    // A thread that fails outside a task (it should not) is replaced; its task, if any, gets the error.
    this.pool.on('error', () => {});
    this.slots = new FairSlots(
      {
        total: threads,
        perAccount: Math.max(1, limits.renderConcurrencyPerAccount),
        queueBytesPerAccount: limits.renderQueueBytesPerAccount,
        queueBytesTotal: limits.renderQueueBytesTotal,
        retryAfterSeconds: Math.max(1, Math.ceil(limits.renderTimeoutMs / 1000)),
        maxBatch: MAX_BATCH,
        maxBatchBytes: MAX_BATCH_BYTES,
      },
      (jobs, holdShareFor) => this.renderBatch(jobs, holdShareFor),
    );
  }

  render(job: RenderJob): Promise<string> {
    return this.slots.run(job.accountId, job.planId, job.template.length + job.dataJson.length, job);
  }

  /** Ends every render thread and refuses renders still waiting. For shutdown. */
  async close(): Promise<void> {
    this.slots.close();
    await this.pool.destroy();
  }

  /** One account's renders on one thread, in order: each one's result, or undefined for those to run again. */
  private async renderBatch(jobs: RenderJob[], holdShareFor: (ms: number) => void): Promise<Array<JobOutcome<string>>> {
    const deadline = new RenderDeadline(this.limits.renderTimeoutMs);
    let results: WorkerResult[];
    try {
      // piscina terminates the thread of a running task whose signal aborts (and starts another)
      const task = {
        accountId: jobs[0]!.accountId,
        renders: jobs.map(({ template, dataJson }) => ({ template, dataJson })),
        progress: deadline.progress,
        // under half the timeout, so that a render that reaches the timeout is always the last of its batch to start
        yieldAfterMs: Math.min(BATCH_YIELD_AFTER_MS, this.limits.renderTimeoutMs / 2),
      };
      results = await this.pool.run(task, { signal: deadline });
    } catch (error) {
      deadline.clear();
      return this.afterThreadEnded(jobs, deadline, error, holdShareFor);
    }
    deadline.clear();
    return jobs.map((_, index) => {
      const result = results[index];
      if (!result) return undefined;
      return result.ok ? { ok: true, value: result.content } : { ok: false, error: renderError(result, this.limits) };
    });
  }

  /**
   * The thread ended in the render it was on: that render fails. The renders after it never
   * started: they are queued again. The renders before it had finished, and their results went
   * with the thread: they run again at once, on their own, in this same turn (rendering has no
   * side effects). Queued again instead, each would share its next batch with the account's next
   * waiting render, and an account with renders that end their thread waiting behind it would have
   * it rendered again and again, and never answered.
   */
  private async afterThreadEnded(jobs: RenderJob[], deadline: RenderDeadline, error: unknown, holdShareFor: (ms: number) => void): Promise<Array<JobOutcome<string>>> {
    const failed = deadline.current;
    let cause = error;
    if (deadline.aborted) {
      cause = new RenderTimeoutError(this.limits.renderTimeoutMs);
      // A render stopped at the timeout used its thread for all of it: its account sits out as
      // long again before its next render starts (the thread goes on to other accounts at once).
      // So templates that always run to the timeout get half of the account's share, not all of it.
      holdShareFor(this.limits.renderTimeoutMs);
    } else if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      cause = new RenderMemoryExceededError(this.limits.renderHeapMb);
    }
    const outcomes: Array<JobOutcome<string>> = jobs.map((_, index) => (index === failed ? { ok: false, error: cause } : undefined));
    if (failed > 0) (await this.renderBatch(jobs.slice(0, failed), holdShareFor)).forEach((outcome, index) => (outcomes[index] = outcome));
    return outcomes;
  }
}

function renderError(result: Extract<WorkerResult, { ok: false }>, limits: RenderLimits): DomainError {
  switch (result.code) {
    case 'TEMPLATE_INVALID':
      return new DomainError('TEMPLATE_INVALID', `The template could not be parsed: ${result.detail}`);
    case 'RENDER_OUTPUT_TOO_LARGE':
      return new RenderOutputTooLargeError(limits.renderMaxOutputBytes);
    case 'RENDER_FAILED':
      return new DomainError('RENDER_FAILED', `The template could not be rendered: ${result.detail}`);
  }
}
