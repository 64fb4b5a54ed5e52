// The scheduler of the renderers on its own (fair-slots.ts): which renders go to a renderer
// together, what happens to the ones a batch did not finish, and what the queue charges. The
// batches here are run by a function that records them and answers when told to.
import { describe, expect, it } from 'vitest';
import { FairSlots, WAITING_RENDER_COST, type FairSlotsOptions, type JobOutcome } from '../src/rendering/fair-slots.js';

interface Started {
  jobs: string[];
  finish: (outcomes: Array<JobOutcome<string>>) => void;
  holdShareFor: (ms: number) => void;
}

function slots(options: Partial<FairSlotsOptions> = {}) {
  const started: Started[] = [];
  const fair = new FairSlots<string, string>(
    { total: 2, perAccount: 1, queueBytesPerAccount: 1 << 20, queueBytesTotal: 1 << 30, retryAfterSeconds: 1, maxBatch: 4, maxBatchBytes: 1 << 20, ...options },
    (jobs, holdShareFor) => new Promise((finish) => started.push({ jobs, finish, holdShareFor })),
  );
  return { fair, started };
}

/** A paying plan, whose accounts the free accounts' slice does not hold back: these are the batches on their own. */
const PAID = 'business';
const done = (jobs: string[]) => jobs.map((job) => ({ ok: true as const, value: `rendered ${job}` }));
const settled = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: Error) => ({ error: error.message }));
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('render batches', () => {
  it("take an account's waiting renders in order, at most maxBatch at a time, each answered with its own result", async () => {
    const { fair, started } = slots();
    const results = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((job) => fair.run('account', PAID, 1, job));
    // the first finds its share free and goes alone; the others wait for it
    expect(started.map((batch) => batch.jobs)).toEqual([['a']]);
    started[0]!.finish(done(['a']));
    await tick();
    expect(started.map((batch) => batch.jobs)).toEqual([['a'], ['b', 'c', 'd', 'e']]);
    started[1]!.finish(done(['b', 'c', 'd', 'e']));
    await tick();
    expect(started[2]!.jobs).toEqual(['f', 'g']);
    started[2]!.finish(done(['f', 'g']));
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((job) => `rendered ${job}`));
  });

  it('stop at maxBatchBytes, but always take one render, however large', async () => {
    const { fair, started } = slots({ maxBatchBytes: 100 });
    void fair.run('account', PAID, 1, 'first');
    void fair.run('account', PAID, 500, 'large');
    void fair.run('account', PAID, 60, 'x');
    void fair.run('account', PAID, 60, 'y');
    started[0]!.finish(done(['first']));
    await tick();
    expect(started[1]!.jobs).toEqual(['large']);
    started[1]!.finish(done(['large']));
    await tick();
    expect(started[2]!.jobs).toEqual(['x']);
  });

  it('put the renders without an outcome back at the front of the queue, in order, and run them again', async () => {
    const { fair, started } = slots();
    const results = ['a', 'b', 'c', 'd', 'e', 'late'].map((job) => settled(fair.run('account', PAID, 1, job)));
    started[0]!.finish(done(['a']));
    await tick();
    // c's thread ended in c: b's result went with it, d and e never started
    started[1]!.finish([undefined, { ok: false, error: new Error('c timed out') }, undefined, undefined]);
    await tick();
    expect(started[2]!.jobs).toEqual(['b', 'd', 'e', 'late']);
    started[2]!.finish(done(['b', 'd', 'e', 'late']));
    expect(await Promise.all(results)).toEqual([
      { value: 'rendered a' },
      { value: 'rendered b' },
      { error: 'c timed out' },
      { value: 'rendered d' },
      { value: 'rendered e' },
      { value: 'rendered late' },
    ]);
  });

  it('fail the first render of a batch that gives none an outcome, so that no render is queued again forever', async () => {
    const { fair, started } = slots();
    const results = ['a', 'b', 'c'].map((job) => settled(fair.run('account', PAID, 1, job)));
    started[0]!.finish(done(['a']));
    await tick();
    started[1]!.finish([undefined, undefined]);
    await tick();
    expect(started[2]!.jobs).toEqual(['c']);
    started[2]!.finish(done(['c']));
    expect(await Promise.all(results)).toEqual([{ value: 'rendered a' }, { error: 'The render batch ended without a render.' }, { value: 'rendered c' }]);
  });

  it("hold one account's share while another account's renders take the free thread", async () => {
    const { fair, started } = slots();
    const results = [settled(fair.run('busy', PAID, 1, 'b1')), settled(fair.run('busy', PAID, 1, 'b2')), settled(fair.run('busy', PAID, 1, 'b3')), settled(fair.run('other', PAID, 1, 'o1'))];
    expect(started.map((batch) => batch.jobs)).toEqual([['b1'], ['o1']]);
    started[0]!.holdShareFor(60_000);
    started[0]!.finish(done(['b1']));
    await tick();
    // busy sits out its hold; other gets the thread again at once
    results.push(settled(fair.run('other', PAID, 1, 'o2')));
    started[1]!.finish(done(['o1']));
    await tick();
    expect(started.map((batch) => batch.jobs)).toEqual([['b1'], ['o1'], ['o2']]);
    started[2]!.finish(done(['o2']));
    fair.close();
    expect(await Promise.all(results)).toEqual([
      { value: 'rendered b1' },
      { error: 'The render pool is closed.' },
      { error: 'The render pool is closed.' },
      { value: 'rendered o1' },
      { value: 'rendered o2' },
    ]);
  });

  it('charge the queue for renders that wait, and again for those queued once more; closing refuses them all', async () => {
    const size = 100;
    const { fair, started } = slots({ queueBytesPerAccount: 3 * (size + WAITING_RENDER_COST) });
    const results = ['a', 'b', 'c', 'd'].map((job) => settled(fair.run('account', PAID, size, job)));
    // a runs and b, c, d fill the queue: a fifth is refused
    expect(await settled(fair.run('account', PAID, size, 'e'))).toEqual({ error: expect.stringMatching(/rendering at once for this account/) });
    started[0]!.finish(done(['a']));
    await tick();
    // the queue is empty while b, c and d run, so f waits
    const f = settled(fair.run('account', PAID, size, 'f'));
    // b and c come back, and wait out the account's hold: with f, the queue is full again
    started[1]!.holdShareFor(60_000);
    started[1]!.finish([undefined, undefined, { ok: true, value: 'rendered d' }]);
    await tick();
    expect(await settled(fair.run('account', PAID, size, 'g'))).toEqual({ error: expect.stringMatching(/rendering at once for this account/) });
    fair.close();
    expect(await Promise.all([...results, f])).toEqual([
      { value: 'rendered a' },
      { error: 'The render pool is closed.' },
      { error: 'The render pool is closed.' },
      { value: 'rendered d' },
      { error: 'The render pool is closed.' },
    ]);
  });
});
