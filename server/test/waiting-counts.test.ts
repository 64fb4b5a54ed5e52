// The one rule for live counts that wait (the feed when behind, a backed-up socket): merged,
// they collapse into the latest count of each token, in the place its first change took.
import { describe, expect, it } from 'vitest';
import type { DocumentCountChange } from '../src/live/events.js';
import { WaitingCounts } from '../src/live/waiting-counts.js';

const change = (tokenId: string, documentCount: number): DocumentCountChange => ({ tokenId, documentCount, lastUsedAt: null });

function drain(waiting: WaitingCounts): string[] {
  const written: string[] = [];
  for (let next = waiting.shift(); next; next = waiting.shift()) written.push(`${next.tokenId}${next.documentCount}`);
  return written;
}

describe('waiting live counts', () => {
  it('appended, every count waits, oldest first', () => {
    const waiting = new WaitingCounts();
    for (const count of [1, 2, 3]) waiting.append(change('a', count), count);
    expect(drain(waiting)).toEqual(['a1', 'a2', 'a3']);
  });

  it('merged, each token keeps only its latest count, in the place its first change took', () => {
    const waiting = new WaitingCounts();
    waiting.merge(change('a', 1), 0);
    waiting.merge(change('b', 1), 1);
    waiting.merge(change('a', 2), 2);
    waiting.merge(change('a', 3), 3);
    waiting.merge(change('b', 2), 4);
    expect(waiting.length).toBe(2);
    expect(drain(waiting)).toEqual(['a3', 'b2']);
  });

  it('merged, a count below the waiting one (published out of order) never replaces it', () => {
    const waiting = new WaitingCounts();
    waiting.merge(change('a', 5), 0);
    waiting.merge(change('a', 4), 1);
    expect(drain(waiting)).toEqual(['a5']);
  });

  it('leaves the changes already being written alone', () => {
    const waiting = new WaitingCounts();
    waiting.append(change('a', 1), 0);
    waiting.merge(change('a', 2), 1, 1);
    waiting.merge(change('a', 3), 2, 1);
    expect(drain(waiting)).toEqual(['a1', 'a3']);
  });

  it('measures the wait from when the oldest place in line was taken, merges or not', () => {
    const waiting = new WaitingCounts();
    expect(waiting.oldestWaitedMs(100)).toBe(0);
    waiting.merge(change('a', 1), 10);
    waiting.merge(change('a', 2), 50);
    expect(waiting.oldestWaitedMs(100)).toBe(90);
    waiting.shift();
    expect(waiting.oldestWaitedMs(100)).toBe(0);
  });
});
