// The counts' iterator over server-sent events (live/bounded-push.ts, mergingIterator), on its own:
// when it joins its feed, what it merges, and that no reader is left waiting.
import { describe, expect, it } from 'vitest';
import { mergingIterator } from '../src/live/bounded-push.js';

interface Count {
  tokenId: string;
  count: number;
}

/** A feed to join: what was delivered goes to its current member; `joined` and `left` count memberships. */
function feed() {
  const state = { joined: 0, left: 0, deliver: undefined as ((value: Count) => void) | undefined, fail: undefined as ((error: unknown) => void) | undefined };
  const join = (deliver: (value: Count) => void, fail: (error: unknown) => void) => {
    state.joined += 1;
    state.deliver = deliver;
    state.fail = fail;
    return () => void (state.left += 1);
  };
  return { state, join };
}

describe('mergingIterator', () => {
  it('joins at its first read: an iterator never read, then returned, never joined', async () => {
    const { state, join } = feed();
    const counts = mergingIterator(join, (value: Count) => value.tokenId);
    expect(state.joined).toBe(0);
    await counts.return!();
    expect(state).toMatchObject({ joined: 0, left: 0 });
  });

  it("keeps each token's latest value while no one reads, in the order of their latest change, and leaves once", async () => {
    const { state, join } = feed();
    const counts = mergingIterator(join, (value: Count) => value.tokenId);
    const first = counts.next();
    state.deliver!({ tokenId: 'a', count: 1 });
    expect(await first).toEqual({ value: { tokenId: 'a', count: 1 }, done: false });
    for (const value of [{ tokenId: 'a', count: 2 }, { tokenId: 'b', count: 1 }, { tokenId: 'a', count: 3 }]) state.deliver!(value);
    expect((await counts.next()).value).toEqual({ tokenId: 'b', count: 1 });
    expect((await counts.next()).value).toEqual({ tokenId: 'a', count: 3 });
    await counts.return!();
    expect(state).toMatchObject({ joined: 1, left: 1 });
    expect(await counts.next()).toEqual({ value: undefined, done: true });
  });

  it('wakes every waiting reader: two reads at once both settle', async () => {
    const { state, join } = feed();
    const counts = mergingIterator(join, (value: Count) => value.tokenId);
    const reads = [counts.next(), counts.next()];
    state.deliver!({ tokenId: 'a', count: 1 });
    state.deliver!({ tokenId: 'b', count: 1 });
    expect((await Promise.all(reads)).map((read) => read.value)).toEqual([
      { tokenId: 'a', count: 1 },
      { tokenId: 'b', count: 1 },
    ]);
  });

  it('ends with the error its feed failed with, after what was waiting, and leaves', async () => {
    const { state, join } = feed();
    const counts = mergingIterator(join, (value: Count) => value.tokenId);
    const first = counts.next();
    state.deliver!({ tokenId: 'a', count: 1 });
    await first;
    state.deliver!({ tokenId: 'a', count: 2 });
    state.fail!(new Error('session expired'));
    expect((await counts.next()).value).toEqual({ tokenId: 'a', count: 2 });
    await expect(counts.next()).rejects.toThrow('session expired');
    expect(state.left).toBe(1);
  });
});
