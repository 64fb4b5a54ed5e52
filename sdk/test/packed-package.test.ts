// The package as an integrator gets it: `npm pack` (which builds it), `npm install <tarball>` into
// a new project outside the repository, then plain Node ESM scripts there, as on the product page,
// against a live server. Also type-checks a TypeScript file against the installed declarations
// alone, without skipLibCheck and without @types/node.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/src/paths.js';
import { bearer, createTestApp, type TestApp } from '../../server/test/support/test-app.js';

const run = promisify(execFile);
const SDK_DIR = path.join(PROJECT_ROOT, 'sdk');

// What an integrator's shell has: none of the npm_* variables of the `npm test` that runs this.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') && !name.startsWith('POGODOC_')));

let t: TestApp;
let url: string;
let work: string;
let app: string;
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
  work = mkdtempSync(path.join(tmpdir(), 'pogodoc-integrator-'));
  app = path.join(work, 'app');
  mkdirSync(app);
});
afterAll(async () => {
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the pogodoc package', () => {
  let tarball: string;

  it('packs into a tarball of its build, README and package.json, with no dependencies', async () => {
    const packs = path.join(work, 'packs');
    mkdirSync(packs);
    await run('npm', ['pack', '--pack-destination', packs], { cwd: SDK_DIR, env: cleanEnv });
    const [name] = readdirSync(packs);
    expect(name).toMatch(/^pogodoc-\d+\.\d+\.\d+\.tgz$/);
    tarball = path.join(packs, name!);
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n').sort();
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/README.md');
    expect(files.filter((file) => !file.startsWith('package/dist/') && file !== 'package/README.md' && file !== 'package/package.json')).toEqual([]);
  }, 120_000);

  it('installs from the tarball into a project outside the repository, offline', async () => {
    expect(path.relative(PROJECT_ROOT, app).startsWith('..')).toBe(true);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'integrator-app', private: true, type: 'module' }, null, 2));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, env: cleanEnv });
    const installed = JSON.parse(readFileSync(path.join(app, 'node_modules/pogodoc/package.json'), 'utf8'));
    expect(installed).toMatchObject({ name: 'pogodoc', type: 'module' });
    expect(installed.dependencies ?? {}).toEqual({});
    // nothing but the package itself was installed
    expect(readdirSync(path.join(app, 'node_modules')).filter((entry) => !entry.startsWith('.'))).toEqual(['pogodoc']);
    expect(existsSync(path.join(app, 'node_modules/pogodoc/dist/index.d.ts'))).toBe(true);
  }, 120_000);

  it('makes documents from plain Node scripts, as on the product page, with its token in .env', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    writeFileSync(path.join(app, '.env'), `# .env file\nPOGODOC_API_TOKEN=${secret}\nPOGODOC_API_URL=${url}\n`);
    // the product page's form, with the variables loaded by Node's --env-file
    writeFileSync(
      path.join(app, 'invoice.mjs'),
      `import { PogodocClient, SDK_VERSION } from "pogodoc";

const pogodoc = new PogodocClient({
  token: process.env.POGODOC_API_TOKEN,
});
const document = await pogodoc.renderDocument({ template: "Invoice for {{ customer }}", data: { customer: "Ada" } });
console.log(JSON.stringify({ document, version: SDK_VERSION }));
`,
    );
    // without options: the SDK reads .env itself; and a refusal as the typed error
    writeFileSync(
      path.join(app, 'refusal.mjs'),
      `import { PogodocClient, PogodocTokenError } from "pogodoc";

const document = await new PogodocClient().renderDocument({ template: "Receipt for {{ customer }}", data: { customer: "Grace" } });
const mistyped = new PogodocClient({ token: "pgd_" + "x".repeat(36) });
const refused = await mistyped.renderDocument({ template: "x", data: {} }).catch((error) => error);
console.log(JSON.stringify({
  document,
  refused: { isTokenError: refused instanceof PogodocTokenError, name: refused.name, code: refused.code, status: refused.status, attempts: refused.attempts },
}));
`,
    );
    const invoice = JSON.parse((await run(process.execPath, ['--env-file=.env', 'invoice.mjs'], { cwd: app, env: cleanEnv })).stdout);
    const { version } = JSON.parse(readFileSync(path.join(SDK_DIR, 'package.json'), 'utf8'));
    expect(invoice).toEqual({ document: { content: 'Invoice for Ada', tokenId: id, documentCount: 1, replayed: false }, version });

    const refusal = JSON.parse((await run(process.execPath, ['refusal.mjs'], { cwd: app, env: cleanEnv })).stdout);
    expect(refusal.document).toEqual({ content: 'Receipt for Grace', tokenId: id, documentCount: 2, replayed: false });
    expect(refusal.refused).toEqual({ isTokenError: true, name: 'PogodocTokenError', code: 'API_TOKEN_MALFORMED', status: 401, attempts: 1 });

    const token = await t.gql('query($id: ID!) { token(id: $id) { documentCount } }', { id }, bearer(session));
    expect(token.data.token.documentCount).toBe(2);
  }, 60_000);

  it('type-checks against its declarations alone: strict, no skipLibCheck, no @types/node', async () => {
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: [], strict: true, skipLibCheck: false, noEmit: true },
        files: ['typed.ts'],
      }),
    );
    writeFileSync(
      path.join(app, 'typed.ts'),
      `import { PogodocClient, PogodocError, PogodocTokenError, PogodocTokenLimitError, PogodocTokenRolledError, type RenderedDocument } from "pogodoc";

const pogodoc = new PogodocClient({ token: "pgd_…", maxRetries: 2, timeoutMs: 10_000 });
export async function invoice(): Promise<string> {
  try {
    const document: RenderedDocument = await pogodoc.renderDocument({ template: "x", data: {} }, { idempotencyKey: "invoice-42" });
    const replayed: boolean = document.replayed;
    return replayed ? "again" : document.content;
  } catch (error) {
    if (error instanceof PogodocTokenRolledError) return error.code satisfies "API_TOKEN_ROLLED";
    if (error instanceof PogodocTokenError) return error.code satisfies "API_TOKEN_MISSING" | "API_TOKEN_MALFORMED" | "API_TOKEN_INVALID" | "API_TOKEN_DELETED" | "API_TOKEN_DISABLED" | "API_TOKEN_EXPIRED" | "API_TOKEN_ROLLED" | "API_TOKEN_IP_NOT_ALLOWED" | "PLAN_REQUIRED";
    if (error instanceof PogodocTokenLimitError) return \`\${error.code satisfies "TOKEN_LIMIT_EXCEEDED"} until \${error.resetsAt?.toISOString() ?? "?"}\`;
    if (error instanceof PogodocError) return \`\${error.code} \${error.status ?? "no response"} after \${error.attempts}\`;
    throw error;
  }
}
// @ts-expect-error the data is required
void pogodoc.renderDocument({ template: "x" });
`,
    );
    const tsc = path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, env: cleanEnv }).catch((error: { stdout: string }) => error);
    expect(result.stdout).toBe('');
  }, 60_000);
});
