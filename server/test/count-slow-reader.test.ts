// The counts' slow-reader rule over server-sent events, the one the shared WebSocket delivery keeps
// for them: counts merge. A client whose connection stops taking updates is not ended and does not
// fall behind: what waits for it is each token's latest count, and once it reads again it gets
// them, never a count lower than one it already had, and ends on the final counts.
//
// Real sockets on a real server. The stopped client stops reading at the TCP level (an HTTP
// response's pause()), so the server's writes fill the kernel's buffers and the transport stops
// taking updates; how much the kernel takes is not known, so documents are made until far more
// updates were due than could have been sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv, type Limits } from '../src/config.js';
import { openEventStream } from './support/event-stream.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

/** Aliases of documentCount in the stopped client's selection: every update is a large frame, so few fill the kernel's buffers. */
const ALIASES = 4000;
const LARGE = `subscription { documentCount { tokenId documentCount ${Array.from({ length: ALIASES }, (_, i) => `documentCountCopy${i}: documentCount`).join(' ')} } }`;
const TOKENS = 2;
// about 120 KB a frame: 300 unmerged frames would be 36 MB, far more than a loopback socket's buffers hold
const DOCUMENTS_PER_TOKEN = 150;

const limits: Limits = {
  ...limitsFromEnv({}),
  // the bounded rule of feeds that cannot merge: counts must not reach it, however far behind
  liveMaxUnreadEvents: 4,
  documentsPerTokenPerMinute: 1_000_000,
  // the HTTP stall rule would reset the stopped connection; the rule under test is the feed's
  httpWriteStallTimeoutMs: 0,
  maxAliases: ALIASES + 10,
  maxTokens: 10 * ALIASES,
  maxCost: 10 * ALIASES,
};

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp({ limits });
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t.close());

interface Update {
  tokenId: string;
  documentCount: number;
}

/** The subscription over server-sent events: its updates and errors. */
function eventStreamReader(session: string) {
  const updates: Update[] = [];
  const errors: unknown[] = [];
  const stream = openEventStream(url, bearer(session), LARGE, (body) => {
    if (body.errors) errors.push(...body.errors);
    else if (body.data) updates.push({ tokenId: body.data.documentCount.tokenId, documentCount: body.data.documentCount.documentCount });
  });
  return { updates, errors, ...stream };
}

describe('a documentCount subscriber over server-sent events whose client stops reading', () => {
  it('is not ended: it skips to the latest counts, never backwards, and ends on the final ones', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const tokens = [];
    for (let i = 0; i < TOKENS; i++) tokens.push(await t.generateToken(session, `token ${i}`));
    const reader = eventStreamReader(session);
    // the current counts come first: the subscription is open
    await expect.poll(() => reader.updates.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(TOKENS);
    reader.pause();

    for (let n = 0; n < DOCUMENTS_PER_TOKEN; n++) {
      for (const token of tokens) expect((await t.renderDocument(token.secret)).errors).toBeUndefined();
    }
    reader.resume();

    for (const token of tokens) {
      await expect
        .poll(() => reader.updates.filter((update) => update.tokenId === token.id).at(-1)?.documentCount, { timeout: 20_000 })
        .toBe(DOCUMENTS_PER_TOKEN);
    }
    expect(reader.errors).toEqual([]);
    // each token's counts only go up
    for (const token of tokens) {
      const counts = reader.updates.filter((update) => update.tokenId === token.id).map((update) => update.documentCount);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
    }
    // and updates merged while the client was stopped: fewer arrived than documents were counted
    expect(reader.updates.length - TOKENS).toBeLessThan(TOKENS * DOCUMENTS_PER_TOKEN);
    reader.close();
  }, 120_000);
});
