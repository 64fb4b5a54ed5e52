// Workload 12, the dashboard's load when signed in: the JavaScript it transfers (compressed, as
// Chromium received it) and the time from navigation to the first token row, cold (empty cache) and
// warm (a reload). "Before" is the same build served without its precompressed files, as every
// asset was served until the build made them: the same server, the same run, side by side.
// Each figure is the median of several loads in a fresh browser; loopback makes transfer time
// small, so the render times say what the page costs the browser more than the network.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchBrowser } from '../client/test/browser.js';
import { httpGql } from '../server/test/support/http-client.js';
import type { ServerProcess } from '../server/test/support/server-process.js';

type Add = (workload: string, metric: string, ours: number, target: string, options?: { baseline?: number; met?: boolean }) => void;

const WORKLOAD = '12. dashboard load, signed in (10 tokens)';
const LOADS = 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The built dashboard without its .br and .gz files: what was served before they were made. */
function uncompressedCopy(dashboardDir: string): string {
  const copy = mkdtempSync(path.join(tmpdir(), 'pogodoc-dashboard-'));
  cpSync(dashboardDir, copy, { recursive: true });
  const strip = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) strip(full);
      else if (/\.(br|gz)$/.test(entry.name)) rmSync(full);
    }
  };
  strip(copy);
  return copy;
}

interface Load {
  scriptBytes: number;
  firstRowMs: number;
}

async function measure(url: string, session: string): Promise<{ cold: Load[]; warm: Load[] }> {
  const cold: Load[] = [];
  const warm: Load[] = [];
  for (let load = 0; load < LOADS; load++) {
    const browser = await launchBrowser();
    try {
      await browser.addCookies([{ name: 'pogodoc_session', value: session, url }]);
      const page = await browser.newPage();
      // the instant the first token row is in the document, on the page's own clock
      // as text: a function would be compiled by tsx, which names its inner functions with a helper
      // that the page does not have
      await page.addInitScript(`
        new MutationObserver((records, observer) => {
          if (!document.querySelector('table tbody tr')) return;
          window.firstRowAt = performance.now();
          observer.disconnect();
        }).observe(document, { childList: true, subtree: true });
      `);
      const once = async (): Promise<Load> => {
        // functions, not text: the page's CSP refuses eval, and these define no inner named functions
        await page.waitForFunction(() => (window as unknown as { firstRowAt?: number }).firstRowAt !== undefined, undefined, { timeout: 30_000 });
        return page.evaluate(() => ({
          firstRowMs: (window as unknown as { firstRowAt: number }).firstRowAt,
          scriptBytes: performance
            .getEntriesByType('resource')
            .filter((entry) => entry.name.endsWith('.js'))
            .reduce((sum, entry) => sum + (entry as PerformanceResourceTiming).transferSize, 0),
        }));
      };
      await page.goto(url);
      cold.push(await once());
      await page.reload();
      warm.push(await once());
    } finally {
      await browser.close();
    }
  }
  return { cold, warm };
}

export async function dashboardLoad(add: Add, { startServer, dashboardDir }: { startServer: (env: Record<string, string>) => Promise<ServerProcess>; dashboardDir: string }): Promise<void> {
  const before = uncompressedCopy(dashboardDir);
  const servers = await Promise.all([startServer({}), startServer({ DASHBOARD_DIR: before })]);
  try {
    const results = [];
    for (const server of servers) {
      const email = `bench-load-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
      const session = (await httpGql(server.url, 'mutation($e: String!) { signUp(email: $e, password: "bench password") { sessionToken } }', { e: email })).data.signUp.sessionToken as string;
      await httpGql(server.url, 'mutation { choosePlan(planId: "pro") { id } }', {}, session);
      for (let i = 0; i < 10; i++) await httpGql(server.url, 'mutation($n: String!) { generateToken(name: $n) { secret } }', { n: `token ${i}` }, session);
      results.push(await measure(`${server.url}/`, session));
    }
    const [after, was] = results as [Awaited<ReturnType<typeof measure>>, Awaited<ReturnType<typeof measure>>];
    const of = (loads: Load[], key: keyof Load) => median(loads.map((load) => load[key]));
    add(WORKLOAD, 'JavaScript transferred, first load (bytes)', of(after.cold, 'scriptBytes'), 'report', { baseline: of(was.cold, 'scriptBytes') });
    add(WORKLOAD, 'JavaScript transferred, reload (bytes)', of(after.warm, 'scriptBytes'), 'report (0: from cache)', { baseline: of(was.warm, 'scriptBytes') });
    add(WORKLOAD, `first token row, first load (ms; median of ${LOADS})`, of(after.cold, 'firstRowMs'), 'report', { baseline: of(was.cold, 'firstRowMs') });
    add(WORKLOAD, `first token row, reload (ms; median of ${LOADS})`, of(after.warm, 'firstRowMs'), 'report', { baseline: of(was.warm, 'firstRowMs') });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(before, { recursive: true, force: true });
  }
}
