// The script the renderer processes run, always with plain node and no loader. Compiled (npm
// start), it is render-process.js beside this file. Run from source (vitest, tsx scripts, the
// benchmark's in-process servers), it is render-process.ts and the modules it imports, transpiled
// once and kept under node_modules/.cache, keyed by their text: forking the .ts with tsx's loader
// instead costs each renderer's start about half a second of CPU (measured: 0.3 s plain, 0.8 s
// with the loader), and the tests start renderers hundreds of times.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../paths.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FROM_SOURCE = import.meta.url.endsWith('.ts');

let script: string | undefined;

/** The path of the renderer's script, transpiled first when the server runs from source. */
export function rendererScript(): string {
  script ??= FROM_SOURCE ? transpiledFromSource() : path.join(HERE, 'render-process.js');
  return script;
}

/** Relative imports of values (`import type` is erased), as written: './parse-cost.js'. */
function localImports(source: string): string[] {
  return [...source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'(\.\.?\/[^']+)\.js';/gm)].map((match) => `${match[1]}.js`);
}

function transpiledFromSource(): string {
  // the renderer's own modules, found from its imports
  const sources = new Map<string, string>();
  const visit = (file: string) => {
    if (sources.has(file)) return;
    const text = readFileSync(path.join(HERE, file.replace(/\.js$/, '.ts')), 'utf8');
    sources.set(file, text);
    for (const specifier of localImports(text)) visit(path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)));
  };
  visit('render-process.js');

  const require = createRequire(import.meta.url);
  const typescriptVersion = (require('typescript/package.json') as { version: string }).version;
  const hash = createHash('sha256').update(typescriptVersion);
  for (const [file, text] of sources) hash.update(`\0${file}\0${text}`);
  // inside the project, so that the script's bare imports (liquidjs) resolve to its node_modules
  const cacheRoot = path.join(PROJECT_ROOT, 'node_modules/.cache/pogodoc-renderer');
  const directory = path.join(cacheRoot, hash.digest('hex').slice(0, 16));
  const entry = path.join(directory, 'render-process.js');
  if (existsSync(entry)) return entry;

  const ts = require('typescript') as typeof import('typescript');
  // written beside, then renamed into place: processes starting at once never see half a directory
  const staging = `${directory}.${process.pid}.${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  // the nearest package.json says how node reads the .js files: as ES modules, like the project's
  writeFileSync(path.join(staging, 'package.json'), '{ "type": "module" }\n');
  for (const [file, text] of sources) {
    const output = ts.transpileModule(text, {
      fileName: file.replace(/\.js$/, '.ts'),
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, isolatedModules: true },
    });
    mkdirSync(path.dirname(path.join(staging, file)), { recursive: true });
    writeFileSync(path.join(staging, file), output.outputText);
  }
  try {
    renameSync(staging, directory);
  } catch (error) {
    // another process put the same files there first
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(entry)) throw error;
  }
  return entry;
}
