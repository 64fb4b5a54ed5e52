// The driver adapter the schema engine migrates PostgreSQL through. It differs from the
// service's own (persistence/postgresql.ts) in the two ways only migrations need.
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg, { type PoolConfig } from 'pg';
import { postgresPoolConfig } from '../postgresql.js';

/**
 * When the schema engine reads PostgreSQL's catalog it selects columns of the internal "char"
 * type (OID 18), which this adapter version cannot map; their values are one-letter strings, so
 * reporting them as text (OID 25) is exact.
 */
class CatalogCharAsTextClient extends pg.Client {
  override query(...args: unknown[]): any {
    const fix = (value: unknown) => {
      for (const set of Array.isArray(value) ? value : [value]) {
        for (const field of (set as pg.QueryResult | undefined)?.fields ?? []) {
          if (field.dataTypeID === 18) field.dataTypeID = 25;
        }
      }
      return value;
    };
    // pg.Pool calls query with a callback; direct callers get a promise
    const callbackIndex = args.findIndex((arg) => typeof arg === 'function');
    if (callbackIndex >= 0) {
      const callback = args[callbackIndex] as (error: unknown, value: unknown) => void;
      args[callbackIndex] = (error: unknown, value: unknown) => callback(error, error ? value : fix(value));
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return result instanceof Promise ? result.then(fix) : result;
  }
}

export function createPostgresMigrationAdapterFactory(databaseUrl: string): SqlMigrationAwareDriverAdapterFactory {
  const config: PoolConfig = { ...postgresPoolConfig(databaseUrl), Client: CatalogCharAsTextClient };
  const base = new PrismaPg(config);
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: () => base.connect(),
    // The adapter's own shadow database drops itself while its pool is still connected, which
    // PostgreSQL refuses. This one closes the pool first, then drops the database.
    async connectToShadowDb() {
      const name = `pogodoc_shadow_${randomUUID().replaceAll('-', '')}`;
      const admin = await base.connect();
      await admin.executeScript(`CREATE DATABASE "${name}"`);
      const shadow = await new PrismaPg({ ...config, database: name, max: 2 }).connect();
      const disposeShadow = shadow.dispose.bind(shadow);
      let disposed = false;
      shadow.dispose = async () => {
        if (disposed) return;
        disposed = true;
        await disposeShadow();
        await admin.executeScript(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.dispose();
      };
      return shadow;
    },
  };
}
