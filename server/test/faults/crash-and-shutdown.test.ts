// The server process under SIGKILL (nothing acknowledged is lost) and SIGTERM (graceful).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { httpGql } from '../support/http-client.js';
import { collect, wsClient } from '../support/ws-client.js';

const directory = mkdtempSync(path.join(tmpdir(), 'pogodoc-crash-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function accountWithToken(server: ServerProcess, email: string) {
  const session = (await httpGql(server.url, 'mutation($e: String!) { signUp(email: $e, password: "long password") { sessionToken } }', { e: email })).data.signUp.sessionToken as string;
  await httpGql(server.url, 'mutation { choosePlan(planId: "business") { id } }', {}, session);
  const generated = await httpGql(server.url, 'mutation { generateToken(name: "load") { secret token { id } } }', {}, session);
  return { session, secret: generated.data.generateToken.secret as string, id: generated.data.generateToken.token.id as string };
}

const RENDER = 'mutation { renderDocument(template: "x", data: {}) { documentCount } }';
const CRASH_RUNS = 3;

describe('crash safety (SQLite, WAL, synchronous=NORMAL)', () => {
  it(`SIGKILL during sustained load loses no acknowledged document (${CRASH_RUNS} runs)`, async () => {
    const databaseUrl = `file:${path.join(directory, 'crash.db')}`;
    const env = { DATABASE_URL: databaseUrl, DOCUMENTS_PER_TOKEN_PER_MINUTE: '1000000' };
    let server = await startServerProcess(env);
    const { session, secret, id } = await accountWithToken(server, 'crash@example.com');
    let acknowledged = 0;
    const report: string[] = [];

    for (let run = 1; run <= CRASH_RUNS; run++) {
      let inFlight = 0;
      let inFlightAtKill = -1;
      let stop = false;
      const worker = async () => {
        while (!stop) {
          inFlight++;
          try {
            const result = await httpGql(server.url, RENDER, {}, secret);
            if (result.data?.renderDocument) acknowledged++;
          } catch {
            // the connection died with the server: this request was in flight
          } finally {
            inFlight--;
          }
        }
      };
      const workers = Array.from({ length: 16 }, worker);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      inFlightAtKill = inFlight;
      server.child.kill('SIGKILL');
      stop = true;
      await Promise.all(workers);

      server = await startServerProcess(env);
      const counted = (await httpGql(server.url, 'query($id: ID!) { token(id: $id) { documentCount } }', { id }, session)).data.token.documentCount as number;
      report.push(`run ${run}: acknowledged ${acknowledged}, counted ${counted}, in flight at kill ${inFlightAtKill}`);
      // every success the client saw is in the database
      expect(counted).toBeGreaterThanOrEqual(acknowledged);
      // and nothing beyond the requests that were in flight when the process died
      expect(counted).toBeLessThanOrEqual(acknowledged + inFlightAtKill);
      acknowledged = counted;
    }
    console.log(`crash safety: ${report.join('; ')}`);
    await server.stop();
  }, 120_000);
});

describe('graceful shutdown on SIGTERM', () => {
  it('finishes in-flight requests, closes WebSockets with 1012, and exits 0 in bounded time', async () => {
    // the render's own limit well above the shutdown's: on a busy machine the slow render below must
    // be ended by nothing but its own completion (this tests shutdown, not render limits)
    const server = await startServerProcess({ DATABASE_URL: `file:${path.join(directory, 'term.db')}`, SHUTDOWN_TIMEOUT_MS: '5000', RENDER_TIMEOUT_MS: '20000' });
    const { session, secret, id } = await accountWithToken(server, 'term@example.com');
    const client = wsClient(server.url, { connectionParams: { authorization: `Bearer ${session}` } });
    const updates = collect(client, 'subscription($id: ID) { documentCount(tokenId: $id) { documentCount } }', { id });
    await updates.waitFor(1);

    // a request that takes a while to render, in flight when SIGTERM arrives
    const slow = httpGql(server.url, 'mutation { renderDocument(template: "{% for i in (1..150000) %}{% endfor %}done", data: {}) { content documentCount } }', {}, secret);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const exited = new Promise<{ code: number | null; ms: number }>((resolve) => {
      const started = Date.now();
      server.child.once('exit', (code) => resolve({ code, ms: Date.now() - started }));
    });
    server.child.kill('SIGTERM');

    const finished = await slow;
    expect(finished.errors).toBeUndefined();
    expect(finished.data?.renderDocument).toEqual({ content: 'done', documentCount: 1 });
    expect(await updates.waitForError()).toMatchObject({ code: 1012 });
    const { code, ms } = await exited;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000 + 2000);
    // new connections are refused once it is gone
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    await client.dispose();
  }, 60_000);
});
