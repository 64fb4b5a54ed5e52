// Metrics taken at the seams the service already has, so that the domain and the stores stay
// free of them: the domain's announcements (a counted document), the renderer port (its
// duration), and the database hooks (DatabaseOptions: the driver adapter and the hot path's driver).
import type { SqlDriverAdapterFactory, SqlQueryable } from '@prisma/driver-adapter-utils';
import { DomainError } from '../domain/errors.js';
import type { TemplateRenderer } from '../domain/documents.js';
import type { LiveAnnouncements } from '../domain/ports.js';
import type { DatabaseOptions } from '../persistence/database.js';
import { isDatabaseUnavailable } from '../persistence/prisma-errors.js';
import type { SqlDriver } from '../persistence/sql-driver.js';
import type { Metrics } from './metrics.js';

/** Counts each document the domain announces as counted: one per successful render. */
export function countingDocuments(announce: LiveAnnouncements, metrics: Metrics): LiveAnnouncements {
  return {
    ...announce,
    documentCounted(accountId, change) {
      metrics.documentsRendered.inc();
      announce.documentCounted(accountId, change);
    },
  };
}

/** Times each render, by outcome. */
export function timedRenderer<R extends TemplateRenderer>(renderer: R, metrics: Metrics): TemplateRenderer {
  const ok = metrics.renderDurationOf('OK');
  const failed = (error: unknown, startedAt: number) =>
    metrics.renderDurationOf(error instanceof DomainError ? error.code : 'INTERNAL_SERVER_ERROR').observe((performance.now() - startedAt) / 1000);
  return {
    // one reaction on the render's promise rather than an async function around it: with the
    // request context's async hooks on, every promise and await costs a hook call
    render(job) {
      const startedAt = performance.now();
      let rendering: Promise<string>;
      try {
        rendering = renderer.render(job);
      } catch (error) {
        failed(error, startedAt);
        return Promise.reject(error);
      }
      return rendering.then(
        (content) => {
          ok.observe((performance.now() - startedAt) / 1000);
          return content;
        },
        (error: unknown) => {
          failed(error, startedAt);
          throw error;
        },
      );
    },
  };
}

/** The database options with every failed statement counted, on top of the caller's own wrappers. */
export function countingDatabaseErrors(options: DatabaseOptions, metrics: Metrics): DatabaseOptions {
  const count = (error: unknown): never => {
    metrics.databaseErrors.inc({ kind: isDatabaseUnavailable(error) ? 'unavailable' : 'other' });
    throw error;
  };
  const countQueryable = <Q extends SqlQueryable>(queryable: Q): Q =>
    new Proxy(queryable, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (property === 'queryRaw' || property === 'executeRaw') return (...args: unknown[]) => value.apply(target, args).catch(count);
        if (property === 'startTransaction') return async (...args: unknown[]) => countQueryable(await value.apply(target, args).catch(count));
        return value.bind(target);
      },
    });
  const countAdapter = <F extends SqlDriverAdapterFactory>(factory: F): F =>
    new Proxy(factory, {
      get(target, property, receiver) {
        if (property === 'connect') return async () => countQueryable(await target.connect().catch(count));
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const countDriver = (driver: SqlDriver): SqlDriver => ({
    rows<Row>(statement: Parameters<SqlDriver['rows']>[0], params: Parameters<SqlDriver['rows']>[1]) {
      return driver.rows<Row>(statement, params).catch(count);
    },
    transaction: (steps) => driver.transaction(steps).catch(count),
    onAuditCommitted: (listener) => driver.onAuditCommitted(listener),
  });
  return {
    wrapAdapter: (factory) => countAdapter(options.wrapAdapter ? options.wrapAdapter(factory) : factory),
    wrapSqlDriver: (driver) => countDriver(options.wrapSqlDriver ? options.wrapSqlDriver(driver) : driver),
  };
}
