// Sees every SQL statement an app sends, so that a test can assert what a request costs
// ("reading a tab costs 2 statements, whatever the number of tokens"). Statements reach the
// database two ways, and both are wrapped: Prisma's queries through its driver adapter, and the
// hot path's through the SqlDriver (server/src/persistence/sql-driver.ts).
import type { SqlDriverAdapterFactory, SqlQuery, SqlQueryable } from '@prisma/driver-adapter-utils';
import type { DatabaseOptions } from '../../src/persistence/database.js';
import type { SqlDriver, SqlStatement, TransactionStep } from '../../src/persistence/sql-driver.js';

/** The openDatabase (and buildApp) options that report each statement's text to `observe`. */
export function observeSql(observe: (sql: string) => void): Required<DatabaseOptions> {
  return {
    wrapAdapter: (factory) => observingAdapterFactory(factory, observe),
    wrapSqlDriver: (driver) => observingSqlDriver(driver, observe),
  };
}

function observingSqlDriver(driver: SqlDriver, observe: (sql: string) => void): SqlDriver {
  return {
    rows<Row>(statement: SqlStatement, params: Parameters<SqlDriver['rows']>[1]) {
      observe(statement.text);
      return driver.rows<Row>(statement, params);
    },
    transaction(steps) {
      // a follow-up's statements are reported as they are decided, so that only those that run count
      const observing = (step: TransactionStep): TransactionStep => {
        if (!('followUp' in step)) {
          observe(step.statement.text);
          return step;
        }
        return { followUp: (earlier) => step.followUp(earlier).map(observing) };
      };
      const observed = steps.map(observing);
      return driver.transaction(observed);
    },
    onAuditCommitted: (listener) => driver.onAuditCommitted(listener),
  };
}

/** Wraps a driver adapter factory so that every statement its connections run is reported. */
function observingAdapterFactory<F extends SqlDriverAdapterFactory>(factory: F, observe: (sql: string) => void): F {
  const observeQueryable = <Q extends SqlQueryable>(queryable: Q): Q =>
    new Proxy(queryable, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (property === 'queryRaw' || property === 'executeRaw') {
          return (query: SqlQuery) => {
            observe(query.sql);
            return value.call(target, query);
          };
        }
        if (property === 'startTransaction') {
          return async (...args: unknown[]) => observeQueryable(await value.apply(target, args));
        }
        return value.bind(target);
      },
    });
  return new Proxy(factory, {
    get(target, property, receiver) {
      if (property === 'connect') return async () => observeQueryable(await target.connect());
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
