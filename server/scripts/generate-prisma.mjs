// Generates everything Prisma-derived, on any machine:
// 1. prisma/postgresql/schema.prisma, the PostgreSQL variant of prisma/schema.prisma (the one
//    source of truth): same models, another provider, its own client output.
//    With --check, only verifies that the committed variant is current.
// 2. `prisma generate` for both: the SQLite client with the Pothos types, and the PostgreSQL client.
//
// `prisma generate` asks for the native schema-engine binary although it does not use it;
// where that binary cannot be downloaded, any executable stands in for it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sourcePath = path.join(root, 'prisma', 'schema.prisma');
const variantPath = path.join(root, 'prisma', 'postgresql', 'schema.prisma');

export function postgresVariant(source) {
  const header =
    '// GENERATED from prisma/schema.prisma by server/scripts/generate-prisma.mjs: do not edit.\n' +
    '// Edit prisma/schema.prisma and run `npm run generate`.\n\n';
  const variant = source
    // the Pothos types come from the SQLite schema; the models are the same
    .replace(/\ngenerator pothos \{[^}]*\}\n/, '')
    .replace(/output\s*=\s*"\.\.\/server\/generated\/prisma"/, 'output   = "../../server/generated/prisma-postgresql"')
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"');
  if (variant.includes('"sqlite"') || !variant.includes('prisma-postgresql')) {
    throw new Error('prisma/schema.prisma no longer has the shape generate-prisma.mjs expects');
  }
  return header + variant;
}

const expected = postgresVariant(readFileSync(sourcePath, 'utf8'));
if (process.argv.includes('--check')) {
  const current = existsSync(variantPath) ? readFileSync(variantPath, 'utf8') : '';
  if (current !== expected) {
    console.error('prisma/postgresql/schema.prisma is stale: run `npm run generate` and commit it.');
    process.exit(1);
  }
  process.exit(0);
}
// The prisma CLI is a dev dependency: a production install (npm ci --omit=dev) has none, and
// npx would try to download one. There the postinstall says so and leaves generating to the build.
const prismaCli = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'prisma.cmd' : 'prisma');
if (!existsSync(prismaCli)) {
  if (process.argv.includes('--postinstall')) {
    console.log('postinstall: the prisma CLI (a dev dependency) is not installed; run `npm run generate` where it is.');
    process.exit(0);
  }
  console.error('The prisma CLI is not installed: run `npm install` (with dev dependencies) first.');
  process.exit(1);
}
mkdirSync(path.dirname(variantPath), { recursive: true });
writeFileSync(variantPath, expected);

// the generators (prisma-pothos-types) are found on PATH, as npm scripts and npx put them
const env = { ...process.env, PATH: `${path.dirname(prismaCli)}${path.delimiter}${process.env.PATH ?? ''}` };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = ['/bin/true', '/usr/bin/true'].find((file) => existsSync(file)) ?? process.execPath;
}
for (const schema of [sourcePath, variantPath]) {
  const result = spawnSync(prismaCli, ['generate', '--schema', schema], {
    cwd: root,
    stdio: 'inherit',
    env,
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
