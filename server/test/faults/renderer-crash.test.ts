// A template that ends its renderer ends only that renderer: the server, in a process of its own
// here, goes on answering every other request, and the pool keeps its size. Renderers are found
// as the server's child processes running render-process.js (compiled, or transpiled from source).
// Nothing here waits on time: each step waits for an answer, or polls /proc for a state, with the
// suite's generous timeouts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGql } from '../support/http-client.js';
import { cpuTicks, rendererPids, until } from '../support/processes.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const renderers = (server: ServerProcess) => rendererPids(server.child.pid!);

const directory = mkdtempSync(path.join(tmpdir(), 'pogodoc-renderer-crash-'));
const RENDER = 'mutation($t: String!, $d: JSON!) { renderDocument(template: $t, data: $d) { content } }';

/** A 524,288-character text made by doubling, every step charged and under the per-call limit. */
const LONG_TEXT = '{% assign s = "x" %}{% for i in (1..19) %}{% assign s = s | append: s %}{% endfor %}';
/** 256 references to that text in one list: joined, 134 million characters. */
const MANY_REFERENCES = '{% assign a = s | split: "," %}{% for i in (1..8) %}{% assign a = a | concat: a %}{% endfor %}';
/** The attack of issue 21: a filter that stringifies its input joins the list into one allocation nothing charged. */
const listThrough = (filter: string) => `${LONG_TEXT}${MANY_REFERENCES}{{ a | ${filter} }}`;
const FILTER_ATTACKS = {
  replace_first: listThrough('replace_first: "x", "y"'),
  replace: listThrough('replace: "x", "y"'),
  append: listThrough('append: "y"'),
  remove: listThrough('remove: "x"'),
  join: listThrough('join: ""'),
  output: `${LONG_TEXT}${MANY_REFERENCES}{{ a }}`,
};
/** Fills the heap with lists that are each within every charge: 12 million numbers kept at once. */
const HEAP_FILLER = Array.from({ length: 12 }, (_, i) => `{% assign r${i} = (1..1000000) %}`).join('') + 'done';
/** Spins far longer than any timeout here. */
const ENDLESS_LOOP = '{% assign r = (1..100000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}';





async function accountWithToken(server: ServerProcess, email: string) {
  const session = (await httpGql(server.url, 'mutation($e: String!) { signUp(email: $e, password: "long password") { sessionToken } }', { e: email })).data.signUp.sessionToken as string;
  await httpGql(server.url, 'mutation { choosePlan(planId: "business") { id } }', {}, session);
  const generated = await httpGql(server.url, 'mutation { generateToken(name: "crash") { secret } }', {}, session);
  return generated.data.generateToken.secret as string;
}

async function renderersEnded(reason: 'out_of_memory' | 'other'): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(new RegExp(`^pogodoc_renderers_ended_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

const codeOf = (result: Awaited<ReturnType<typeof httpGql>>) => result.errors?.[0]?.extensions?.code ?? (result.data?.renderDocument ? 'rendered' : 'nothing');

let server: ServerProcess;
let attacker: string;
let neighbour: string;
let renderersAtStart: number;

beforeAll(async () => {
  server = await startServerProcess({
    DATABASE_URL: `file:${path.join(directory, 'crash.db')}`,
    RENDER_THREADS: '2',
    // small heaps, so that filling one is quick
    RENDER_HEAP_MB: '16',
    // long enough that a render is always killed by this suite, never by the timeout, however slow the machine
    RENDER_TIMEOUT_MS: '120000',
    DOCUMENTS_PER_TOKEN_PER_MINUTE: '1000000',
    METRICS: '1',
  });
  attacker = await accountWithToken(server, 'attacker@example.com');
  neighbour = await accountWithToken(server, 'neighbour@example.com');
  renderersAtStart = (await until('the renderers have started', () => renderers(server).length === 3 && 3))!;
});

afterAll(async () => {
  await server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

describe('a list joined by a filter (issue 21)', () => {
  for (const [filter, template] of Object.entries(FILTER_ATTACKS)) {
    it(`through ${filter}, five times, is refused with RENDER_FAILED naming the limit, while the server answers everyone else`, async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const attack = httpGql(server.url, RENDER, { t: template, d: {} }, attacker);
        const [plans, document] = await Promise.all([
          httpGql(server.url, '{ plans { id } }'),
          httpGql(server.url, RENDER, { t: 'Hello {{ name }}', d: { name: 'Ada' } }, neighbour),
        ]);
        expect(plans.data.plans.length).toBeGreaterThan(0);
        expect(document.data.renderDocument.content).toBe('Hello Ada');
        const result = await attack;
        expect(codeOf(result)).toMatch(/^RENDER_FAILED$|^RENDER_OUTPUT_TOO_LARGE$/);
        expect(result.errors![0]!.message).toMatch(/at most|more than/);
      }
      expect(server.child.exitCode).toBeNull();
    });
  }
});

describe('a renderer process that ends', () => {
  it('at its heap cap fails only its render, with RENDER_FAILED naming the cap; the server and the neighbour go on', async () => {
    const before = renderers(server);
    const endedBefore = await renderersEnded('out_of_memory');
    const [attack, document] = await Promise.all([
      httpGql(server.url, RENDER, { t: HEAP_FILLER, d: {} }, attacker),
      httpGql(server.url, RENDER, { t: 'Hello {{ name }}', d: { name: 'Grace' } }, neighbour),
    ]);
    expect(codeOf(attack)).toBe('RENDER_FAILED');
    expect(attack.errors![0]!.message).toMatch(/more than 16 MiB of memory/);
    expect(document.data.renderDocument.content).toBe('Hello Grace');
    expect(server.child.exitCode).toBeNull();
    // one renderer ended, and a new one took its place
    await until('a replacement has started', () => {
      const now = renderers(server);
      return now.length === renderersAtStart && now.some((pid) => !before.includes(pid));
    });
    // the server's log reaches this process through a pipe, after the answer and the replacement
    await until('the end is logged', () => /a renderer process ended during a render/.test(server.output()));
    expect(await renderersEnded('out_of_memory')).toBe(endedBefore + 1);
  });

  it('killed with SIGKILL mid-batch fails the render it was on; the renders before it keep their results and those after it are rendered again', async () => {
    // the account's first render runs alone and holds its share; the four after it wait, and then go together as one batch
    const killedBefore = await renderersEnded('other');
    const first = httpGql(server.url, RENDER, { t: ENDLESS_LOOP, d: {} }, attacker);
    const busy = await until('a renderer is busy with the endless loop', () => renderers(server).find((pid) => cpuTicks(pid) > 50));
    const batch = [
      httpGql(server.url, RENDER, { t: 'one', d: {} }, attacker),
      httpGql(server.url, RENDER, { t: 'two', d: {} }, attacker),
      httpGql(server.url, RENDER, { t: ENDLESS_LOOP + 'again', d: {} }, attacker),
      httpGql(server.url, RENDER, { t: 'four', d: {} }, attacker),
    ];
    process.kill(busy, 'SIGKILL');
    expect(codeOf(await first)).toBe('RENDER_FAILED');
    expect((await first).errors![0]!.message).toMatch(/renderer stopped/);
    // the batch's endless render is now on another renderer: kill that one too
    const second = await until('the batch is on a renderer', () => renderers(server).find((pid) => pid !== busy && cpuTicks(pid) > 50));
    process.kill(second, 'SIGKILL');
    const results = await Promise.all(batch);
    expect(results.map(codeOf)).toEqual(['rendered', 'rendered', 'RENDER_FAILED', 'rendered']);
    expect(results.map((result) => result.data?.renderDocument?.content ?? null)).toEqual(['one', 'two', null, 'four']);
    expect(server.child.exitCode).toBeNull();
    expect(await renderersEnded('other')).toBe(killedBefore + 2);
    await until('the pool is back to its size', () => renderers(server).length === renderersAtStart);
  });

  it('a hundred times over keeps the pool at its size, and the next render is made', async () => {
    const accounts = [attacker, await accountWithToken(server, 'second-attacker@example.com')];
    let crashes = 0;
    await Promise.all(
      accounts.map(async (secret) => {
        for (let i = 0; i < 50; i++) {
          const result = await httpGql(server.url, RENDER, { t: HEAP_FILLER, d: {} }, secret);
          expect(codeOf(result)).toBe('RENDER_FAILED');
          crashes++;
        }
      }),
    );
    expect(crashes).toBe(100);
    expect(server.child.exitCode).toBeNull();
    await until('the pool is back to its size', () => renderers(server).length === renderersAtStart);
    const document = await httpGql(server.url, RENDER, { t: 'still {{ here }}', d: { here: 'here' } }, neighbour);
    expect(document.data.renderDocument.content).toBe('still here');
  }, 600_000);
});
