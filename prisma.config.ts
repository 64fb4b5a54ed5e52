import path from 'node:path';
import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI (generate, and migrate where its native engine is available).
// The server itself does not read this file: see server/src/config.ts.
export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/pogodoc.db' },
});
