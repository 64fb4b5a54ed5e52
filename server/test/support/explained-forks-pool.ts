// vitest's forks pool, with one addition: when a fork dies in the middle of a test file, the
// failure says which file it was running, how the process ended (exit code or signal), how large it
// had grown and how much memory the machine had left. vitest alone reports only "Worker exited
// unexpectedly", with none of that (a fork died so in password-hash.test.ts and abuse.test.ts on
// fresh machines, and nothing told why).
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ForksPoolWorker, type PoolOptions, type PoolRunnerInitializer, type WorkerRequest } from 'vitest/node';

const MiB = 1024 * 1024;

/** A figure of /proc/<pid>/status or /proc/meminfo in bytes (their kB), undefined when it cannot be read. */
function procKb(file: string, field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const mib = (bytes: number | undefined) => (bytes === undefined ? 'unknown' : `${Math.round(bytes / MiB)} MiB`);

class ExplainedForksPoolWorker extends ForksPoolWorker {
  override readonly name = 'explained-forks';
  private files: string[] = [];
  private pid: number | undefined;
  private residentBytes: number | undefined;
  private peakResidentBytes: number | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private onError: ((error: Error) => void) | undefined;
  private readonly wrapped = new Map<(arg: any) => void, (arg: unknown) => void>();

  constructor(private readonly options: PoolOptions) {
    super(options);
  }

  override async start(): Promise<void> {
    await super.start();
    this.pid = (this as unknown as { _fork?: ChildProcess })._fork?.pid;
    // the fork's size, read now and then: once it is gone, /proc no longer tells
    const sample = () => {
      if (this.pid === undefined) return;
      this.residentBytes = procKb(`/proc/${this.pid}/status`, 'VmRSS') ?? this.residentBytes;
      this.peakResidentBytes = procKb(`/proc/${this.pid}/status`, 'VmHWM') ?? this.peakResidentBytes;
    };
    sample();
    this.sampler = setInterval(sample, 1000).unref();
  }

  override async stop(): Promise<void> {
    clearInterval(this.sampler);
    await super.stop();
  }

  override send(message: WorkerRequest): void {
    if (message.type === 'run' || message.type === 'collect') {
      this.files = message.context.files.map((file) => path.relative(this.options.project.config.root, file.filepath));
    }
    super.send(message);
  }

  override on(event: string, callback: (arg: any) => void): void {
    if (event === 'error') this.onError = callback;
    if (event !== 'exit') return super.on(event, callback);
    // vitest listens for 'exit' only while it does not expect one: this is a fork that died
    // vitest's own handler reports a bare "Worker exited unexpectedly" through the same 'error'
    // listener, which hears only the first report: the explained one goes first. The second then
    // finds no listener and throws, which vitest would not catch; its state change is what counts.
    const explained = (code: number | null, signal: NodeJS.Signals | null) => {
      clearInterval(this.sampler);
      try {
        this.onError?.(new Error(this.describeExit(code, signal)));
      } finally {
        try {
          (callback as (...args: unknown[]) => void)(code, signal);
        } catch {
          // already reported, with its explanation
        }
      }
    };
    this.wrapped.set(callback, explained as (arg: unknown) => void);
    super.on(event, explained as (arg: unknown) => void);
  }

  override off(event: string, callback: (arg: any) => void): void {
    const explained = event === 'exit' ? this.wrapped.get(callback) : undefined;
    if (explained) this.wrapped.delete(callback);
    super.off(event, explained ?? callback);
  }

  private describeExit(code: number | null, signal: NodeJS.Signals | null): string {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const available = procKb('/proc/meminfo', 'MemAvailable');
    const total = procKb('/proc/meminfo', 'MemTotal');
    const hint =
      signal === 'SIGKILL'
        ? 'Nothing in the suite sends SIGKILL to a vitest fork: this is most likely the kernel\'s out-of-memory killer (dmesg | grep -i "out of memory"); run fewer forks with VITEST_MAX_WORKERS.'
        : signal
          ? 'A signal from outside the test, or a native crash (its stderr, if any, is above).'
          : 'A native crash or an exit outside vitest\'s control (its stderr, if any, is above).';
    return (
      `The vitest fork (pid ${this.pid ?? 'unknown'}) running ${this.files.join(', ') || 'no test file yet'} ${how}. ` +
      `It was using ${mib(this.residentBytes)} (at most ${mib(this.peakResidentBytes)}), not counting its child processes; ` +
      `the machine had ${mib(available)} of ${mib(total)} available. ${hint}`
    );
  }
}

/** vitest's `pool` option: forks, as vitest makes them, whose unexpected end is explained. */
export const explainedForks: PoolRunnerInitializer = {
  name: 'explained-forks',
  createPoolWorker: (options) => new ExplainedForksPoolWorker(options),
};
