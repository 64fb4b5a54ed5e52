// The renderer processes: a fixed number of child processes (render-process.ts), each with a heap
// cap of its own. A tenant's template can exhaust its heap (V8 then ends the process, whatever the
// allocation), loop until it is killed, or crash the runtime: each ends one renderer, never the
// server, and a replacement is started at once.
//
// Why by hand rather than a pool library: worker threads are no fence (a thread that overshoots its
// heap cap in one large allocation ends the whole process, nodejs/node#47224), and the process
// pools we tried each broke a promise we make here. workerpool appends the parent's own
// --max-old-space-size after ours, lifting the cap; tinypool stops replacing processes for good
// once one ends before it has started (it takes that for a broken script), which a kill during a
// replacement's start is. What is needed is small: start, hand over a batch, hear each result,
// kill, replace.
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { rendererScript } from './renderer-script.js';

/** One render of a batch, as the renderer process takes it. */
export interface RenderRequest {
  accountId: string;
  template: string;
  dataJson: string;
}

export type RenderResult =
  | { ok: true; content: string }
  | { ok: false; code: 'TEMPLATE_INVALID' | 'RENDER_FAILED' | 'RENDER_OUTPUT_TOO_LARGE'; detail: string };

/** How a batch ended: every render it reached answered, or its process ended in render `at`. */
export type BatchEnd =
  | { ended: 'done' }
  | { ended: 'timeout'; at: number }
  | { ended: 'crashed'; at: number; outOfMemory: boolean };

/**
 * Told once per process that ended while rendering: whether it ended at its heap cap, V8's fatal
 * error line if it wrote one, and the tail of what it wrote to stderr.
 */
export type RendererEndedListener = (details: {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  outOfMemory: boolean;
  fatal: string | undefined;
  stderr: string;
}) => void;

export interface RendererPoolOptions {
  /** Processes kept running. */
  size: number;
  /** Heap cap of each process (V8's old generation), MiB. */
  heapMb: number;
  /** Wall-clock limit of each render, from the result before it (or the batch's start). */
  timeoutMs: number;
  /** Passed to every process: its output limit and parse cache size. */
  processConfig: { maxOutputBytes: number; cacheBytes: number };
  onRendererEnded?: RendererEndedListener;
}

/** How much lower than the server's a renderer's CPU priority is (nice; 19 is the lowest). */
const RENDERER_NICENESS = 5;
/** What is kept of a renderer's stderr, for the log. */
const STDERR_TAIL_CHARS = 2048;
/**
 * How V8 says it ended a process at its heap cap. Looked for as stderr arrives, not in the tail
 * kept at the end: the native stack trace V8 prints after its fatal error line can be longer than
 * the tail (a fresh-clone run named a heap-cap render's end as an unexplained one).
 */
const OUT_OF_MEMORY = /heap limit|Allocation failed|out of memory/i;
const FATAL_LINE = /FATAL ERROR[^\n]*/;
/** Replacements of processes that ended before they were ready wait this long, so that a broken setup cannot fork in a loop. */
const RESTART_BACKOFF_MS = 1000;

type Message = { type: 'ready' } | { type: 'result'; index: number; result: RenderResult } | { type: 'done'; rendered: number };

class RendererProcess {
  readonly child: ChildProcess;
  ready = false;
  stderr = '';
  /** V8 said it reached the heap cap (OUT_OF_MEMORY), and its fatal error line. */
  outOfMemory = false;
  fatal: string | undefined;
  /** Called for each message of the batch in progress. */
  onMessage: ((message: Message) => void) | undefined;
  /** Called if the process ends during the batch in progress (one callback, not a reaction per batch on `closed`, which lives as long as the process). */
  onEnded: (() => void) | undefined;
  /** Whether the process ended during a batch. */
  endedInBatch = false;
  readonly closed: Promise<void>;

  constructor(options: RendererPoolOptions, onReady: () => void) {
    this.child = fork(rendererScript(), [JSON.stringify(options.processConfig)], {
      // plain node, whatever the server runs under (tsx, vitest): no loader, and the caps are ours
      execArgv: [`--max-old-space-size=${options.heapMb}`, `--max-semi-space-size=${Math.max(1, Math.min(8, Math.floor(options.heapMb / 16)))}`, '--disallow-code-generation-from-strings'],
      // nothing of the server's environment: a template never sees the database URL or a secret
      env: { NODE_ENV: process.env.NODE_ENV ?? '' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    // Tenants' renders, and a replacement's start after a kill, yield the CPU to the server's own
    // event loop, which answers every tenant: on a busy machine a hostile tenant's timeouts
    // (each a kill and a new process) otherwise took CPU from everyone's cheap requests.
    // Lowering one's own child's priority needs no privilege; where it is refused, it stays as is.
    try {
      if (this.child.pid !== undefined) setPriority(this.child.pid, RENDERER_NICENESS);
    } catch {
      // a platform without priorities
    }
    // a send to a process that has just ended fails here, not in the caller: it ends as crashed
    this.child.on('error', () => this.kill());
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      // the tail before it too: a line can be split between two chunks
      const text = this.stderr + chunk;
      if (OUT_OF_MEMORY.test(text)) this.outOfMemory = true;
      this.fatal ??= FATAL_LINE.exec(text)?.[0];
      this.stderr = text.slice(-STDERR_TAIL_CHARS);
    });
    this.child.on('message', (message: Message) => {
      if (message.type === 'ready') {
        this.ready = true;
        onReady();
      } else this.onMessage?.(message);
    });
    // 'close' comes after the process has exited and its stderr is read to the end
    this.closed = new Promise((resolve) =>
      this.child.once('close', () => {
        this.endedInBatch = this.onEnded !== undefined;
        this.onEnded?.();
        resolve();
      }),
    );
    // starting, it keeps the event loop alive (a render may be waiting for it); idle, it does not
  }

  ref() {
    this.child.ref();
    (this.child.channel as { ref?: () => void } | undefined)?.ref?.();
    (this.child.stderr as { ref?: () => void } | null)?.ref?.();
  }

  unref() {
    this.child.unref();
    (this.child.channel as { unref?: () => void } | undefined)?.unref?.();
    (this.child.stderr as { unref?: () => void } | null)?.unref?.();
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill() {
    this.child.kill('SIGKILL');
  }
}

export class RendererPool {
  private readonly processes = new Set<RendererProcess>();
  private readonly idle: RendererProcess[] = [];
  private readonly waiting: Array<{ resolve: (renderer: RendererProcess) => void; reject: (error: Error) => void }> = [];
  private closing = false;
  private readonly restartTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: RendererPoolOptions) {
    for (let i = 0; i < options.size; i++) this.startProcess();
  }

  /** The pids of the running renderer processes (for the operator's view and the tests). */
  get pids(): number[] {
    return [...this.processes].filter((renderer) => renderer.alive).map((renderer) => renderer.child.pid!);
  }

  /**
   * Renders `renders` in order on one process. `onResult` hears each result as it is made. The
   * render that reaches the timeout, or during which the process ends, is the batch's last.
   */
  async runBatch(renders: RenderRequest[], yieldAfterMs: number, onResult: (index: number, result: RenderResult) => void): Promise<BatchEnd> {
    const renderer = await this.acquire();
    renderer.ref();
    let current = 0;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const armTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        renderer.kill();
      }, this.options.timeoutMs);
    };
    try {
      const end = await new Promise<BatchEnd>((resolve) => {
        renderer.onMessage = (message) => {
          if (message.type === 'result') {
            onResult(message.index, message.result);
            current = message.index + 1;
            armTimer();
          } else if (message.type === 'done') {
            resolve({ ended: 'done' });
          }
        };
        renderer.onEnded = () => {
          if (timedOut) return resolve({ ended: 'timeout', at: current });
          // V8 ends a process at its heap cap with a fatal error on stderr, then aborts
          resolve({ ended: 'crashed', at: current, outOfMemory: renderer.outOfMemory });
        };
        armTimer();
        renderer.child.send({ type: 'batch', renders, yieldAfterMs });
      });
      return end;
    } finally {
      clearTimeout(timer);
      renderer.onMessage = undefined;
      renderer.onEnded = undefined;
      if (renderer.alive) this.release(renderer);
    }
  }

  /** Ends every renderer. Batches in progress end as crashed. */
  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error('The render pool is closed.'));
    const all = [...this.processes];
    for (const renderer of all) {
      // an idle renderer does not hold the event loop open, but the wait for its end must:
      // otherwise a caller with nothing else pending exits in the middle of this await
      renderer.ref();
      renderer.kill();
    }
    await Promise.all(all.map((renderer) => renderer.closed));
  }

  private startProcess() {
    const renderer = new RendererProcess(this.options, () => this.release(renderer));
    this.processes.add(renderer);
    void renderer.closed.then(() => {
      this.processes.delete(renderer);
      const at = this.idle.indexOf(renderer);
      if (at >= 0) this.idle.splice(at, 1);
      if (this.closing) return;
      if (renderer.endedInBatch) {
        const { pid, exitCode: code, signalCode: signal } = renderer.child;
        this.options.onRendererEnded?.({ pid, code, signal, outOfMemory: renderer.outOfMemory, fatal: renderer.fatal, stderr: renderer.stderr });
      }
      if (renderer.ready) {
        this.startProcess();
      } else {
        const timer = setTimeout(() => {
          this.restartTimers.delete(timer);
          if (!this.closing) this.startProcess();
        }, RESTART_BACKOFF_MS);
        timer.unref();
        this.restartTimers.add(timer);
      }
    });
  }

  private acquire(): Promise<RendererProcess> {
    if (this.closing) return Promise.reject(new Error('The render pool is closed.'));
    const renderer = this.idle.pop();
    if (renderer) return Promise.resolve(renderer);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(renderer: RendererProcess) {
    if (this.closing || !renderer.alive) return;
    const next = this.waiting.shift();
    if (next) return next.resolve(renderer);
    renderer.unref();
    this.idle.push(renderer);
  }
}
