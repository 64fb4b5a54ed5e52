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
import { FairSlots } from './fair-slots.js';

export type RenderLimits = Pick<
  Limits,
  | 'renderThreads'
  | 'renderConcurrencyPerAccount'
  | 'renderQueueBytesPerAccount'
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
 * than an AbortController with its EventTarget on every render). The clock starts when the render
 * starts on its thread, not while the render waits for a thread to boot (a few hundred ms after
 * one was terminated): the worker stamps the time it began into `startedAt`.
 */
class RenderDeadline {
  readonly startedAt = new BigInt64Array(new SharedArrayBuffer(8));
  aborted = false;
  private listener: (() => void) | undefined;
  private timer: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.timer = setTimeout(() => this.check(), timeoutMs);
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
    const started = Number(Atomics.load(this.startedAt, 0));
    const left = started === 0 ? this.timeoutMs : started + this.timeoutMs - Date.now();
    if (left > 0) {
      this.timer = setTimeout(() => this.check(), left);
      return;
    }
    this.aborted = true;
    this.listener?.();
  }
}

export class LiquidTemplateRenderer implements TemplateRenderer {
  private readonly pool: Piscina;
  private readonly slots: FairSlots;

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
    this.slots = new FairSlots({
      total: threads,
      perAccount: Math.max(1, limits.renderConcurrencyPerAccount),
      queueBytesPerAccount: limits.renderQueueBytesPerAccount,
      retryAfterSeconds: Math.max(1, Math.ceil(limits.renderTimeoutMs / 1000)),
    });
  }

  render(job: RenderJob): Promise<string> {
    return this.slots.run(job.accountId, job.template.length + job.dataJson.length, async (holdShareFor) => {
      try {
        return await this.renderOnThread(job);
      } catch (error) {
        // A render stopped at the timeout used its thread for all of it: its account sits out as
        // long again before its next render starts (the thread goes on to other accounts at once).
        // So templates that always run to the timeout get half of the account's share, not all of it.
        if (error instanceof RenderTimeoutError) holdShareFor(this.limits.renderTimeoutMs);
        throw error;
      }
    });
  }

  /** Ends every render thread and refuses renders still waiting. For shutdown. */
  async close(): Promise<void> {
    this.slots.close();
    await this.pool.destroy();
  }

  private async renderOnThread(job: RenderJob): Promise<string> {
    const deadline = new RenderDeadline(this.limits.renderTimeoutMs);
    let result: WorkerResult;
    try {
      // piscina terminates the thread of a running task whose signal aborts (and starts another)
      result = await this.pool.run({ ...job, startedAt: deadline.startedAt }, { signal: deadline });
    } catch (error) {
      if (deadline.aborted) throw new RenderTimeoutError(this.limits.renderTimeoutMs);
      if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') throw new RenderMemoryExceededError(this.limits.renderHeapMb);
      throw error;
    } finally {
      deadline.clear();
    }
    if (result.ok) return result.content;
    switch (result.code) {
      case 'TEMPLATE_INVALID':
        throw new DomainError('TEMPLATE_INVALID', `The template could not be parsed: ${result.detail}`);
      case 'RENDER_OUTPUT_TOO_LARGE':
        throw new RenderOutputTooLargeError(this.limits.renderMaxOutputBytes);
      case 'RENDER_FAILED':
        throw new DomainError('RENDER_FAILED', `The template could not be rendered: ${result.detail}`);
    }
  }
}
