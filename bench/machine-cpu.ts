// The whole machine's CPU, read from /proc/stat, for workloads that report what a setup cost every
// process on it (servers, databases, load generators).
import { readFileSync } from 'node:fs';

/** Clock ticks per second in /proc (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

/** The whole machine's busy CPU time so far (ticks): user, nice, system, irq and softirq. */
export function machineBusyTicks(): number {
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number) as number[];
  return user! + nice! + system! + irq! + softirq!;
}
