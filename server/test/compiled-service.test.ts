// The service as npm start runs it: compiled by tsconfig.build.json into dist/ and run by plain
// node, its renderers too. And the renderers of a server run from source (as here, under vitest):
// plain node as well, on a transpiled copy, with the pool's flags and nothing else.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';
import { RendererPool, type RenderResult } from '../src/rendering/renderer-pool.js';
import { httpGql } from './support/http-client.js';
import { childPids, commandLine, until } from './support/processes.js';
import { buildServer, COMPILED_ENTRY, startServerProcess, type ServerProcess } from './support/server-process.js';

const CAPS = ['--max-old-space-size=32', '--max-semi-space-size=2', '--disallow-code-generation-from-strings'];




describe('npm start: the compiled service', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'pogodoc-compiled-'));
  let server: ServerProcess;

  beforeAll(async () => {
    await buildServer();
    server = await startServerProcess(
      { DATABASE_URL: `file:${path.join(directory, 'fresh.db')}`, RENDER_PROCESSES: '1', RENDER_HEAP_MB: '32' },
      { compiled: true },
    );
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('migrates a fresh database, signs up, makes a token and renders a document with it', async () => {
    const session = (await httpGql(server.url, 'mutation { signUp(email: "compiled@example.com", password: "long password") { sessionToken } }')).data.signUp.sessionToken as string;
    await httpGql(server.url, 'mutation { choosePlan(planId: "business") { id } }', {}, session);
    const secret = (await httpGql(server.url, 'mutation { generateToken(name: "compiled") { secret } }', {}, session)).data.generateToken.secret as string;
    const rendered = await httpGql(server.url, 'mutation { renderDocument(template: "Invoice for {{ customer }}", data: { customer: "Ada" }) { content documentCount } }', {}, secret);
    expect(rendered.data.renderDocument).toEqual({ content: 'Invoice for Ada', documentCount: 1 });
  });

  it('runs under plain node, and so do its renderers: the compiled script with the heap caps as their only flags', async () => {
    expect(commandLine(server.child.pid!)).toEqual([process.execPath, COMPILED_ENTRY]);
    // RENDER_PROCESSES=1: one renderer and the spare
    const renderers = await until('both renderers have started', () => {
      const found = childPids(server.child.pid!).map(commandLine).filter((line) => line.some((arg) => arg.includes('render-process')));
      return found.length === 2 && found;
    });
    for (const line of renderers) {
      expect(line.slice(0, -1)).toEqual([process.execPath, ...CAPS, path.join(PROJECT_ROOT, 'dist/src/rendering/render-process.js')]);
    }
  });

  it('finds the repository from dist/ as from source: the same root, so the same prisma/ and client/dist/', async () => {
    const compiledPaths = (await import(pathToFileURL(path.join(PROJECT_ROOT, 'dist/src/paths.js')).href)) as typeof import('../src/paths.js');
    expect(compiledPaths.PROJECT_ROOT).toBe(PROJECT_ROOT);
    const compiledConfig = (await import(pathToFileURL(path.join(PROJECT_ROOT, 'dist/src/config.js')).href)) as typeof import('../src/config.js');
    expect(compiledConfig.configFromEnv({}).dashboardDir).toBe(path.join(PROJECT_ROOT, 'client', 'dist'));
  });
});

describe('a renderer of a server run from source', () => {
  it('is plain node on a transpiled copy of render-process.ts, with the pool flags only, and renders', async () => {
    const pool = new RendererPool({ size: 1, heapMb: 32, timeoutMs: 60_000, processConfig: { maxOutputBytes: 1 << 20, cacheBytes: 1 << 20 } });
    try {
      const results: RenderResult[] = [];
      const end = await pool.runBatch([{ accountId: 'a', template: 'Hello {{ name }}', dataJson: '{"name":"Ada"}' }], 10, (_, result) => results.push(result));
      expect(end).toEqual({ ended: 'done' });
      expect(results).toEqual([{ ok: true, content: 'Hello Ada' }]);
      const [line] = pool.pids.map(commandLine);
      expect(line!.slice(0, CAPS.length + 1)).toEqual([process.execPath, ...CAPS]);
      // no loader: the parent's flags (vitest's, tsx's) are never passed on
      const script = line![CAPS.length + 1]!;
      expect(script).toMatch(/node_modules\/\.cache\/pogodoc-renderer\/[0-9a-f]{16}\/render-process\.js$/);
      expect(line).toHaveLength(CAPS.length + 3);
    } finally {
      await pool.close();
    }
  });
});
