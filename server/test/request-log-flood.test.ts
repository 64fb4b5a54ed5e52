// The request log's buffer under a flood: it holds a bounded number of unwritten entries, drops the
// oldest of the account that floods (never another account's), counts what it dropped, and keeps
// the per-hour outcome counts exact. Against the real database of the project it runs in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/domain/ids.js';
import { requestLogEntryOf, type RequestLogEntry } from '../src/domain/request-log.js';
import { DatabaseRequestLogStore } from '../src/persistence/request-log-store.js';
import { REFUSED_ENTRIES_PER_TOKEN_PER_SECOND, RequestLogWriter } from '../src/persistence/request-log-writer.js';
import { createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
let store: DatabaseRequestLogStore;
beforeAll(async () => {
  t = await createTestApp();
  store = new DatabaseRequestLogStore(t.app.database.prisma, t.app.database.sql);
});
afterAll(async () => {
  await t?.close();
});

const now = new Date();
let sequence = 0;
function entryOf(accountId: string, outcome = 'OK'): RequestLogEntry {
  sequence++;
  return requestLogEntryOf(
    newId(now),
    { tokenId: `${accountId}-token`, accountId, planId: 'pro', clientAddress: '203.0.113.9', userAgent: 'flood/1.0' },
    { requestId: `request-${sequence}`, operation: 'renderDocument', outcome, httpStatus: 429, durationMs: 0.4 },
    now,
  );
}

const requestIdsOf = async (accountId: string) =>
  (await store.list(accountId, {}, null, 10_000)).map((entry) => Number(entry.requestId.slice('request-'.length))).sort((a, b) => a - b);

describe('the request log buffer under a flood', () => {
  it('holds at most its bound, drops only the flooding account’s oldest entries, counts them, and keeps the counts exact', async () => {
    const dropped: number[] = [];
    const writer = new RequestLogWriter(store, { maxBuffered: 100, maxPerAccount: 60, batchSize: 25, flushIntervalMs: 0, onDropped: (count) => dropped.push(count) });
    const flooder = `flooder-${newId()}`;
    const neighbour = `neighbour-${newId()}`;
    let mostPending = 0;
    const neighbourIds: number[] = [];
    const floodIds: number[] = [];
    for (let request = 0; request < 20_000; request++) {
      writer.append(entryOf(flooder));
      floodIds.push(sequence);
      if (request % 1000 === 500) {
        writer.append(entryOf(neighbour, 'OK'));
        neighbourIds.push(sequence);
      }
      mostPending = Math.max(mostPending, writer.pending());
    }
    expect(mostPending).toBe(60 + 20);
    expect(writer.dropped()).toBe(20_000 - 60);
    expect(dropped.reduce((sum, count) => sum + count, 0)).toBe(writer.dropped());

    await writer.flush();
    expect(writer.pending()).toBe(0);
    // the neighbour's 20 entries all, and the flood's newest 60
    expect(await requestIdsOf(neighbour)).toEqual(neighbourIds);
    expect(await requestIdsOf(flooder)).toEqual(floodIds.slice(-60));
    // the refusal summary still counts every request of the flood
    const counts = await store.outcomeCounts(flooder, { from: new Date(now.getTime() - 3_600_000), to: new Date(now.getTime() + 3_600_000) });
    expect(counts.map(({ outcome, count }) => ({ outcome, count }))).toEqual([{ outcome: 'OK', count: 20_000 }]);
  });

  it('logs at most 20 refusals a second of a token (a leaked, revoked secret in a botnet) and only counts the rest', async () => {
    const writer = new RequestLogWriter(store, { maxBuffered: 10_000, maxPerAccount: 5_000, batchSize: 500, flushIntervalMs: 0 });
    const victim = `victim-${newId()}`;
    const started = Date.now();
    for (let request = 0; request < 5_000; request++) writer.append(entryOf(victim, 'API_TOKEN_DELETED'));
    // the budget is per second of the wall clock: the loop spans this many of them at most
    const seconds = Math.floor(Date.now() / 1000) - Math.floor(started / 1000) + 1;
    const kept = writer.pending();
    expect(kept).toBeGreaterThanOrEqual(REFUSED_ENTRIES_PER_TOKEN_PER_SECOND);
    expect(kept).toBeLessThanOrEqual(REFUSED_ENTRIES_PER_TOKEN_PER_SECOND * seconds);
    expect(writer.dropped()).toBe(5_000 - kept);
    // a request that went through is always logged
    writer.append(entryOf(victim, 'OK'));
    expect(writer.pending()).toBe(kept + 1);
    await writer.flush();
    expect(await requestIdsOf(victim)).toHaveLength(kept + 1);
    const counts = await store.outcomeCounts(victim, { from: new Date(now.getTime() - 3_600_000), to: new Date(now.getTime() + 3_600_000) });
    expect(Object.fromEntries(counts.map(({ outcome, count }) => [outcome, count]))).toEqual({ API_TOKEN_DELETED: 5_000, OK: 1 });
  });

  it('when many accounts flood at once, the whole buffer stays in its bound and each keeps an even share', async () => {
    const writer = new RequestLogWriter(store, { maxBuffered: 90, maxPerAccount: 1_000, batchSize: 40, flushIntervalMs: 0 });
    const accounts = [0, 1, 2].map((index) => `crowd-${index}-${newId()}`);
    let mostPending = 0;
    for (let round = 0; round < 5_000; round++) {
      for (const account of accounts) writer.append(entryOf(account));
      mostPending = Math.max(mostPending, writer.pending());
    }
    expect(mostPending).toBe(90);
    expect(writer.dropped()).toBe(15_000 - 90);
    await writer.flush();
    for (const account of accounts) expect(await requestIdsOf(account)).toHaveLength(30);
  });

  it('takes a batch a share per account, so a flood does not delay another account’s entries', async () => {
    const written: string[][] = [];
    const writer = new RequestLogWriter(store, { maxBuffered: 10_000, maxPerAccount: 5_000, batchSize: 50, flushIntervalMs: 0, onWritten: (entries) => written.push(entries.map((entry) => entry.accountId)) });
    const busy = `busy-${newId()}`;
    const quiet = `quiet-${newId()}`;
    for (let request = 0; request < 1_000; request++) writer.append(entryOf(busy, 'OK'));
    for (let request = 0; request < 5; request++) writer.append(entryOf(quiet, 'OK'));
    await writer.flush();
    expect(written[0]!.filter((account) => account === quiet)).toHaveLength(5);
    expect(written.flat()).toHaveLength(1_005);
  });

  it('starts writing when an account holds half its bound, without waiting for the timer, and takes what arrives while it writes', async () => {
    // the store's writes, held until released: what arrives meanwhile waits in the buffer
    const begun: number[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const heldStore = {
      write: async (entries: readonly RequestLogEntry[], counts: Parameters<DatabaseRequestLogStore['write']>[1]) => {
        begun.push(entries.length);
        await held;
        await store.write(entries, counts);
      },
    };
    // an hour between ticks: any write below was started by the buffer filling
    const writer = new RequestLogWriter(heldStore, { maxBuffered: 1_000, maxPerAccount: 100, batchSize: 500, flushIntervalMs: 3_600_000 });
    const burst = `burst-${newId()}`;
    const ids: number[] = [];
    const append = (count: number) => {
      for (let request = 0; request < count; request++) {
        writer.append(entryOf(burst));
        ids.push(sequence);
      }
    };
    append(49);
    expect(begun).toEqual([]);
    append(1);
    expect(begun).toEqual([50]);
    // while that write is held, the account fills its bound again: nothing is dropped
    append(100);
    expect(writer.dropped()).toBe(0);
    release();
    await writer.close();
    expect(begun).toEqual([50, 100]);
    expect(await requestIdsOf(burst)).toEqual(ids);
  });
});
