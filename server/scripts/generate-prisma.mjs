// Runs `prisma generate` (the Prisma client and the Pothos types) on any machine.
// `prisma generate` asks for the native schema-engine binary although it does not use it;
// where that binary cannot be downloaded, any executable stands in for it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const standIn = ['/bin/true', '/usr/bin/true'].find((path) => existsSync(path)) ?? process.execPath;
  env.PRISMA_SCHEMA_ENGINE_BINARY = standIn;
}
const result = spawnSync('npx', ['prisma', 'generate'], { stdio: 'inherit', env, shell: process.platform === 'win32' });
process.exit(result.status ?? 1);
