// Templates are Liquid (liquidjs): a logic-light language with no access to JavaScript, the
// filesystem or the prototype chain (ownPropertyOnly). They come from tenants, so they run in
// separate processes (renderer-pool.ts, render-process.ts), each render under limits that do not
// rely on the template's cooperation:
// - a wall-clock timeout that kills the process it runs on, wherever the render is;
// - a heap cap per process: V8 ends the process at it, however large the allocation, and only
//   that process (a worker thread is no such fence: nodejs/node#47224);
// - an output limit, counted in the renderer as the output is produced.
// Each account gets its share of the processes (fair-slots.ts). A slow or hostile template thus
// costs its account a process for at most the timeout, and every other account's requests keep
// being answered on the main loop and on the other processes.
import type { Limits } from '../config.js';
import {
  DomainError,
  RenderMemoryExceededError,
  RendererStoppedError,
  RenderOutputTooLargeError,
  RenderTimeoutError,
} from '../domain/errors.js';
import type { RenderJob, TemplateRenderer } from '../domain/documents.js';
import { FairSlots, type JobOutcome } from './fair-slots.js';
import { RendererPool, type RendererEndedListener, type RenderResult } from './renderer-pool.js';

export type RenderLimits = Pick<
  Limits,
  | 'renderProcesses'
  | 'renderConcurrencyPerAccount'
  | 'renderQueueBytesPerAccount'
  | 'renderQueueBytesTotal'
  | 'renderTimeoutMs'
  | 'renderHeapMb'
  | 'renderMaxOutputBytes'
  | 'renderCacheMb'
>;

/** Renders one batch takes to its process at most (fair-slots.ts says why there are batches). */
const MAX_BATCH = 32;
/** Template and data characters one batch takes at most. */
const MAX_BATCH_BYTES = 256 * 1024;
/**
 * After rendering this long, a batch gives its process back and leaves the renders it did not
 * reach at the front of its account's queue: other accounts' turns stay about as frequent as with
 * one render per turn.
 */
const BATCH_YIELD_AFTER_MS = 10;

export class LiquidTemplateRenderer implements TemplateRenderer {
  private readonly pool: RendererPool;
  private readonly slots: FairSlots<RenderJob, string>;

  /**
   * @param options.onRendererEnded hears of each renderer process that ended during a render
   * @param options.refuseToStart asked as each batch is about to start (fair-slots.ts)
   */
  constructor(
    private readonly limits: RenderLimits,
    { onRendererEnded, refuseToStart }: { onRendererEnded?: RendererEndedListener; refuseToStart?: () => Error | undefined } = {},
  ) {
    const processes = Math.max(1, limits.renderProcesses);
    this.pool = new RendererPool({
      // one more than ever render at once: a killed process's replacement takes a moment to
      // start, and meanwhile the spare keeps every share on a ready process
      size: processes + 1,
      heapMb: limits.renderHeapMb,
      timeoutMs: limits.renderTimeoutMs,
      // the parse cache gets at most half the heap, so that renders always have the other half
      processConfig: { maxOutputBytes: limits.renderMaxOutputBytes, cacheBytes: Math.min(limits.renderCacheMb, limits.renderHeapMb / 2) * 1024 * 1024 },
      onRendererEnded,
    });
    this.slots = new FairSlots(
      {
        total: processes,
        perAccount: Math.max(1, limits.renderConcurrencyPerAccount),
        queueBytesPerAccount: limits.renderQueueBytesPerAccount,
        queueBytesTotal: limits.renderQueueBytesTotal,
        retryAfterSeconds: Math.max(1, Math.ceil(limits.renderTimeoutMs / 1000)),
        maxBatch: MAX_BATCH,
        maxBatchBytes: MAX_BATCH_BYTES,
        refuseToStart,
      },
      (jobs, holdShareFor) => this.renderBatch(jobs, holdShareFor),
    );
  }

  render(job: RenderJob): Promise<string> {
    return this.slots.run(job.accountId, job.planId, job.template.length + job.dataJson.length, job);
  }

  /** The renderer processes now running (pids). */
  get rendererPids(): number[] {
    return this.pool.pids;
  }

  /** Ends every renderer process and refuses renders still waiting. For shutdown. */
  async close(): Promise<void> {
    this.slots.close();
    await this.pool.close();
  }

  /**
   * One account's renders on one process, in order: each one's result, or undefined for those it
   * did not reach (queued again). The render the process ended in fails; the ones before it kept
   * their results (each is sent as soon as it is made); the ones after it never started.
   */
  private async renderBatch(jobs: RenderJob[], holdShareFor: (ms: number) => void): Promise<Array<JobOutcome<string>>> {
    const outcomes: Array<JobOutcome<string>> = jobs.map(() => undefined);
    const end = await this.pool.runBatch(
      jobs.map(({ accountId, template, dataJson }) => ({ accountId, template, dataJson })),
      // under half the timeout, so that a render that reaches the timeout is always the last of its batch to start
      Math.min(BATCH_YIELD_AFTER_MS, this.limits.renderTimeoutMs / 2),
      (index, result) => (outcomes[index] = result.ok ? { ok: true, value: result.content } : { ok: false, error: renderError(result, this.limits) }),
    );
    if (end.ended === 'timeout') {
      outcomes[end.at] = { ok: false, error: new RenderTimeoutError(this.limits.renderTimeoutMs) };
      // A render stopped at the timeout used its process for all of it: its account sits out as
      // long again before its next render starts (the process goes on to other accounts at once).
      // So templates that always run to the timeout get half of the account's share, not all of it.
      holdShareFor(this.limits.renderTimeoutMs);
    } else if (end.ended === 'crashed') {
      outcomes[end.at] = { ok: false, error: end.outOfMemory ? new RenderMemoryExceededError(this.limits.renderHeapMb) : new RendererStoppedError() };
    }
    return outcomes;
  }
}

function renderError(result: Extract<RenderResult, { ok: false }>, limits: RenderLimits): DomainError {
  switch (result.code) {
    case 'TEMPLATE_INVALID':
      return new DomainError('TEMPLATE_INVALID', `The template could not be parsed: ${result.detail}`);
    case 'RENDER_OUTPUT_TOO_LARGE':
      return new RenderOutputTooLargeError(limits.renderMaxOutputBytes);
    case 'RENDER_FAILED':
      return new DomainError('RENDER_FAILED', `The template could not be rendered: ${result.detail}`);
  }
}
