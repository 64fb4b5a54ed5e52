// axe-core in the page under test: its own source from node_modules (no network, no wrapper
// package), run on the whole document. The source is evaluated through the DevTools protocol,
// which the page's Content-Security-Policy (script-src 'self') does not govern; page.addScriptTag
// would add an inline <script> that the CSP rightly blocks, and bypassing the CSP for the whole
// test would stop the suite from running the page as users get it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Violations at the moderate, serious and critical levels (the issue asks for none of them). */
export async function axeViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: any[] }> } }).axe;
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations
      .filter((violation) => ['moderate', 'serious', 'critical'].includes(violation.impact))
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.map((node: { target: string[] }) => node.target.join(' ')),
      }));
  });
}

/** axe-core finds nothing at the moderate, serious or critical level in this state, in light and dark. */
export async function expectAccessible(page: Page, state: string) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await axeViolations(page), `axe-core violations in "${state}" (${colorScheme})`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
