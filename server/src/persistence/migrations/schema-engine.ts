// Prisma's schema engine (the part behind `prisma migrate`), run from its official WASM
// build instead of the native binary, so that migrations need nothing but npm packages.
// It talks to the database through the same driver adapter the Prisma client uses.
import { existsSync, readdirSync } from 'node:fs';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine, MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';

const NO_FILTERS = { externalTables: [], externalEnums: [] };

let wasmLoaded: Promise<void> | undefined;

// The package is built for bundlers; under plain Node we instantiate the module ourselves.
function loadWasm(): Promise<void> {
  wasmLoaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmPath = path.join(
      path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
      'schema_engine_bg.wasm',
    );
    const module = await WebAssembly.compile(await readFile(wasmPath));
    const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': bg });
    const exports = instance.exports as unknown as { __wbindgen_start(): void };
    bg.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
  })();
  return wasmLoaded;
}

export interface MigrationsLocation {
  /** The Prisma schema file, e.g. prisma/schema.prisma. */
  schemaPath: string;
  /** The folder holding <timestamp>_<name>/migration.sql and migration_lock.toml. */
  migrationsDir: string;
}

/**
 * This engine build replays a whole migration.sql into the shadow database through
 * executeRaw, which better-sqlite3 refuses ("contains more than one statement"): such a
 * script goes through executeScript instead, which runs it statement by statement.
 */
function withScriptFallback(connection: SqlDriverAdapter): SqlDriverAdapter {
  if (connection.provider !== 'sqlite') return connection;
  const executeRaw = connection.executeRaw.bind(connection);
  connection.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      if (query.args.length > 0 || !/more than one statement/.test(String(error))) throw error;
      await connection.executeScript(query.sql);
      return 0;
    }
  };
  // The engine reads a partial index's WHERE clause with a name in double quotes, a string
  // literal that better-sqlite3 (built without double-quoted string literals) takes for a
  // column: the name is passed as a parameter instead.
  const queryRaw = connection.queryRaw.bind(connection);
  connection.queryRaw = (query) => {
    const indexSql = /^SELECT sql FROM sqlite_master WHERE type = 'index' AND name = "([^"]+)";?$/.exec(query.sql.trim());
    if (!indexSql || query.args.length > 0) return queryRaw(query);
    return queryRaw({ ...query, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", args: [indexSql[1]!], argTypes: [{ scalarType: 'string', arity: 'scalar' }] });
  };
  return connection;
}

/**
 * Runs `work` with an engine, then frees it and closes every connection it opened:
 * freeing the engine alone leaves them open, and an open SQLite connection keeps its locks.
 */
async function withEngine<T>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  location: MigrationsLocation,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadWasm();
  const opened: SqlDriverAdapter[] = [];
  const tracked = (connect: () => Promise<SqlDriverAdapter>) => async () => {
    const connection = withScriptFallback(await connect());
    opened.push(connection);
    return connection;
  };
  const trackingFactory: SqlMigrationAwareDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: tracked(() => adapterFactory.connect()),
    connectToShadowDb: tracked(() => adapterFactory.connectToShadowDb()),
  };
  const schemaText = await readFile(location.schemaPath, 'utf8');
  const ignoreEngineLogs = () => {};
  const engine = await bg.SchemaEngine.new(
    { datamodels: [[location.schemaPath, schemaText]] },
    ignoreEngineLogs,
    bindMigrationAwareSqlAdapterFactory(trackingFactory),
  );
  try {
    return await work(engine);
  } finally {
    engine.free();
    // The engine disposes some connections itself (PostgreSQL's shadow database drops itself
    // then), so a second dispose may fail; the ones it left open are what this is for.
    await Promise.allSettled(opened.map((connection) => connection.dispose()));
  }
}

/** The migration folder names, in the order they apply. */
export function listMigrations(migrationsDir: string): string[] {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

async function readMigrationList(migrationsDir: string): Promise<MigrationList> {
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  const lockContent = await readFile(lockPath, 'utf8').catch(() => null);
  const folders = existsSync(migrationsDir) ? listMigrations(migrationsDir) : [];
  const migrationDirectories = await Promise.all(
    folders.map(async (folder) => ({
      path: folder,
      migrationFile: {
        path: 'migration.sql',
        content: {
          tag: 'ok' as const,
          value: await readFile(path.join(migrationsDir, folder, 'migration.sql'), 'utf8'),
        },
      },
    })),
  );
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/**
 * Applies every pending migration and records it in `_prisma_migrations`,
 * exactly as `prisma migrate deploy` does. Idempotent.
 */
export async function applyPendingMigrations(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  location: MigrationsLocation,
): Promise<string[]> {
  const migrationsList = await readMigrationList(location.migrationsDir);
  return withEngine(adapterFactory, location, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList,
      filters: NO_FILTERS,
    });
    return appliedMigrationNames;
  });
}

/**
 * Writes a new migration folder with the SQL that takes the existing migrations to the
 * current schema. Returns its path, or null when the schema has no change to migrate.
 */
export async function createMigration(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  location: MigrationsLocation,
  name: string,
  now = new Date(),
): Promise<string | null> {
  const migrationsList = await readMigrationList(location.migrationsDir);
  const schemaText = await readFile(location.schemaPath, 'utf8');
  return withEngine(adapterFactory, location, async (engine) => {
    const result = await engine.diff({
      // The engine reads the provider from migration_lock.toml, which the first migration creates.
      from:
        migrationsList.migrationDirectories.length === 0
          ? { tag: 'empty' }
          : { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [{ path: location.schemaPath, content: schemaText }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    const sql = result.stdout ?? '';
    if (sql.trim() === '' || /^-- This is an empty migration\.?\s*$/.test(sql.trim())) return null;
    const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
    const safeName = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'migration';
    const folder = path.join(location.migrationsDir, `${stamp}_${safeName}`);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'migration.sql'), sql);
    if (migrationsList.lockfile.content === null) {
      await writeFile(
        path.join(location.migrationsDir, 'migration_lock.toml'),
        `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${adapterFactory.provider === 'postgres' ? 'postgresql' : adapterFactory.provider}"\n`,
      );
    }
    return folder;
  });
}
