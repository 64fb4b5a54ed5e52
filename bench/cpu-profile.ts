// What share of a process's busy CPU a part of its code takes, from the V8 CPU profile that
// `node --cpu-prof` writes on exit: the samples spent in a script matching the pattern, itself
// or in the built-ins it called (a sample is the script's whose frame is the nearest one with a
// script above it), over the samples that are not idle. Not the time of what such a script calls
// back into: a wrapper's share is its own work, not that of what it wraps. A share of samples is
// not moved by the other work on a shared machine the way a throughput ratio is.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The share (in %) of busy samples in code whose script URL matches, over every profile in `dir`; undefined when none was written. */
export function cpuProfileShare(dir: string, scripts: RegExp): number | undefined {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) return undefined;
  let busy = 0;
  let matching = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parentOf = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
    // whether the nearest frame with a script, from a node up, is a matching one; once per node
    const inScripts = new Map<number, boolean>();
    const matches = (id: number): boolean => {
      const known = inScripts.get(id);
      if (known !== undefined) return known;
      const { url } = nodes.get(id)!.callFrame;
      const parent = parentOf.get(id);
      const result = url ? scripts.test(url) : parent !== undefined && matches(parent);
      inScripts.set(id, result);
      return result;
    };
    profile.samples.forEach((id, index) => {
      const micros = profile.timeDeltas[index] ?? 0;
      const name = nodes.get(id)!.callFrame.functionName;
      if (name === '(idle)' || name === '(program)') return;
      busy += micros;
      if (matches(id)) matching += micros;
    });
  }
  return busy === 0 ? undefined : (100 * matching) / busy;
}
