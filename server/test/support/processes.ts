// A process's children, command line and CPU time, read from /proc: for the suites that watch the
// renderer processes of a server (Linux only, as are the machines these suites run on).
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The pids of a process's children, over all its threads. */
export function childPids(pid: number): number[] {
  const pids: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      pids.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {
      // the thread ended while we looked
    }
  }
  return pids;
}

/** A process's command line, argument by argument; empty once it has ended. */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The renderer processes among a server's children. */
export function rendererPids(serverPid: number): number[] {
  return childPids(serverPid).filter((pid) => commandLine(pid).some((argument) => argument.includes('render-process.')));
}

/** CPU time (user + system, clock ticks) a process has used; 0 once it has ended. */
export function cpuTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Polls `check` until it gives a value, for state that changes on its own; fails after `timeoutMs`. */
export async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}
