// The one write path, and the hot path's reads: statements run on the database driver itself, on
// the very connection (SQLite) or pool (PostgreSQL) Prisma uses, each prepared once per connection,
// its rows back as plain objects. A profile of document requests under load put 30% of the server's
// CPU in Prisma's query pipeline, its adapter and better-sqlite3 re-preparing every statement, and
// an audited write costs ×6.7 (SQLite) and ×2.3 (PostgreSQL) as a Prisma transaction (docs/layout.md,
// "One write path"). Prisma keeps the schema, the migrations, the generated types and the cold reads.
//
// Statements are written once, in PostgreSQL's $1 placeholder style, and run unchanged on both
// databases. Dates go in and come out as Date, stored the way Prisma stores them, so rows written
// here and rows written by Prisma are indistinguishable.
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { AuditEventRecord } from '../domain/audit.js';
import { rethrowAsDomainError } from './prisma-errors.js';

export interface SqlStatement {
  /** A stable name: PostgreSQL prepares the statement once per connection under it. */
  name: string;
  text: string;
  /** Columns that hold timestamps, to be read back as Date. */
  dateColumns?: readonly string[];
}

type Param = string | number | Date | null;

/** One statement of a transaction. */
export interface SqlStep {
  statement: SqlStatement;
  params: readonly Param[];
  /** Roll the whole transaction back, and run no further step, when this one returns no row. */
  requireRow?: boolean;
  /**
   * This step inserts this audit event (ON CONFLICT DO NOTHING RETURNING): when it returns a row
   * and the transaction commits, the event is handed to the driver's onAuditCommitted listeners.
   * Every audit row is written by such a step, so the live trail sees every event, after commit.
   */
  recordsAuditEvent?: AuditEventRecord;
}

/**
 * Steps decided by what the earlier steps returned, in the same transaction: a synchronous
 * function of their rows (so SQLite's transaction stays one synchronous call). It occupies one
 * place in the result's rows: the rows of the steps it returned, concatenated. It exists so that a
 * rare write (a quota event at 80% and 100%) costs the common case no statement at all. Its steps
 * may be follow-ups in turn, which see the rows of the steps before them in it too (the 80%
 * warning reads the recent usage, then writes its event with the forecast).
 */
export interface SqlFollowUp {
  followUp: (earlier: readonly Record<string, unknown>[][]) => readonly TransactionStep[];
}

export type TransactionStep = SqlStep | SqlFollowUp;

export type TransactionResult =
  /** Every step ran and the transaction committed: each step's rows, in order. */
  | { committed: true; rows: Record<string, unknown>[][] }
  /** The step at this index returned no row (see requireRow): everything was rolled back. */
  | { committed: false; stoppedAt: number };

export interface SqlDriver {
  rows<Row>(statement: SqlStatement, params: readonly Param[]): Promise<Row[]>;
  /**
   * Runs the steps in one transaction, all or nothing. The steps are fixed SQL: what one needs
   * from an earlier one, it reads in a subquery (the transaction sees its own writes), so that on
   * SQLite the whole transaction runs in one synchronous call. It must: Prisma and the hot path
   * share SQLite's one connection, and a transaction that awaited between statements would take
   * in whatever statement another request ran meanwhile.
   */
  transaction(steps: readonly TransactionStep[]): Promise<TransactionResult>;
  /**
   * Calls `listener` with the audit events each committed transaction inserted (see
   * SqlStep.recordsAuditEvent), after the commit. Returns the unsubscribe function.
   */
  onAuditCommitted(listener: (events: AuditEventRecord[]) => void): () => void;
}

type Rows = Record<string, unknown>[];

/** What a transaction's steps did: each step's rows, and the audit events they inserted. */
interface StepsRun {
  rows: Rows[];
  auditEvents: AuditEventRecord[];
}

/** Thrown inside a transaction to roll it back when a step that must return a row returned none. */
class StepReturnedNoRow {
  constructor(readonly index: number) {}
}

/**
 * The one step runner, for both databases: it walks the steps, expands the follow-ups, stops at a
 * required row that is missing (StepReturnedNoRow) and collects the audit events the steps
 * inserted. It yields each statement to its driver and is handed back the statement's rows, so that
 * SQLite can answer synchronously, inside its one synchronous transaction, and PostgreSQL with an await.
 */
function* runSteps(steps: readonly TransactionStep[]): Generator<SqlStep, StepsRun, Rows> {
  const rows: Rows[] = [];
  const auditEvents: AuditEventRecord[] = [];
  for (const [index, step] of steps.entries()) rows.push(yield* runStep(step, index, rows, auditEvents));
  return { rows, auditEvents };
}

/** One step's rows; a follow-up's are those of its steps, each of which sees the rows before it. */
function* runStep(step: TransactionStep, index: number, earlier: readonly Rows[], auditEvents: AuditEventRecord[]): Generator<SqlStep, Rows, Rows> {
  if ('followUp' in step) {
    const seen = [...earlier];
    const stepRows: Rows = [];
    for (const inner of step.followUp(earlier)) {
      const innerRows = yield* runStep(inner, index, seen, auditEvents);
      seen.push(innerRows);
      stepRows.push(...innerRows);
    }
    return stepRows;
  }
  const rows: Rows = yield step;
  return acceptRows(step, rows, index, auditEvents);
}

/** What a step's rows mean, for both runners: none where one is required stops the transaction (at `place`); one for an audit step records its event. */
function acceptRows(step: SqlStep, rows: Rows, place: number, auditEvents: AuditEventRecord[]): Rows {
  if (step.requireRow && rows.length === 0) throw new StepReturnedNoRow(place);
  if (step.recordsAuditEvent && rows.length > 0) auditEvents.push(step.recordsAuditEvent);
  return rows;
}

/**
 * The step runner for PostgreSQL, pipelined: the statements up to the next follow-up go out
 * together, in one round trip, and their answers are checked in order (the first failure or
 * missing required row wins, as runSteps would have stopped there). A transaction holds its row
 * locks until COMMIT, and a document's three statements one round trip each held its account's
 * period row for four round trips: one busy account made 500 documents/s over 8 connections,
 * against 2,400 on SQLite. A statement sent after one whose required row was missing runs, inside
 * the transaction that is then rolled back: it takes its locks in the same order, so no new wait
 * cycle. `send` sends the flight's statements at once and settles each.
 */
async function runStepsPipelined(
  steps: readonly TransactionStep[],
  send: (flight: readonly SqlStep[]) => Promise<PromiseSettledResult<pg.QueryResult>[]>,
  earlier: readonly Rows[] = [],
  placeOf: (position: number) => number = (position) => position,
  auditEvents: AuditEventRecord[] = [],
): Promise<StepsRun> {
  const rows: Rows[] = [];
  let position = 0;
  while (position < steps.length) {
    const step = steps[position]!;
    if ('followUp' in step) {
      const place = placeOf(position);
      const inner = await runStepsPipelined(step.followUp([...earlier, ...rows]), send, [...earlier, ...rows], () => place, auditEvents);
      rows.push(inner.rows.flat());
      position++;
      continue;
    }
    const flight: SqlStep[] = [];
    for (let next = position; next < steps.length && !('followUp' in steps[next]!); next++) flight.push(steps[next] as SqlStep);
    const answers = await send(flight);
    for (const [offset, answer] of answers.entries()) {
      if (answer.status === 'rejected') throw answer.reason;
      rows.push(acceptRows(flight[offset]!, answer.value.rows as Rows, placeOf(position + offset), auditEvents));
    }
    position += flight.length;
  }
  return { rows, auditEvents };
}

/** PostgreSQL's division_by_zero: how a guarded step (guardedStatement) says it returned no row. */
const GUARD_TRIPPED = '22012';
const GUARD_COLUMN = 'pogodocGuard';
const guarded = new Map<string, SqlStatement>();

/**
 * A step that must return a row, made to fail when it returns none, so that the statements sent
 * behind it fail too and the COMMIT sent with them rolls back: `1 / COUNT(*)` over its rows is
 * evaluated once whatever the rows (the outer query always has one row to compute it for), and
 * divides by zero when there are none. Not constant, so the planner cannot fold it.
 */
function guardedStatement(statement: SqlStatement): SqlStatement {
  let wrapped = guarded.get(statement.name);
  if (!wrapped) {
    wrapped = {
      name: `${statement.name}_guarded`,
      text: `WITH step AS (${statement.text}) SELECT (1 / (SELECT COUNT(*) FROM step)) AS "${GUARD_COLUMN}", step.* FROM (SELECT 1) AS one LEFT JOIN step ON TRUE`,
      dateColumns: statement.dateColumns,
    };
    guarded.set(statement.name, wrapped);
  }
  return wrapped;
}

/**
 * A transaction without follow-ups in one round trip: BEGIN, every statement and COMMIT go out
 * together, so its row locks are held only while PostgreSQL runs it and flushes the commit, not
 * while the answers travel back and wait for this process's event loop. What PostgreSQL does with
 * a failure makes it all or nothing: a failed statement aborts the transaction, every statement
 * behind it fails, and COMMIT then rolls back. A step that must return a row is guarded so that
 * returning none is such a failure.
 */
async function inOneRoundTrip(
  client: pg.PoolClient,
  steps: readonly SqlStep[],
  query: (on: pg.PoolClient, statement: SqlStatement, params: readonly Param[]) => Promise<pg.QueryResult>,
): Promise<({ committed: true; rows: Rows[] } & Pick<StepsRun, 'auditEvents'>) | { committed: false; stoppedAt: number }> {
  const sent = corked(client, () => [
    client.query('BEGIN'),
    ...steps.map((step) => query(client, step.requireRow ? guardedStatement(step.statement) : step.statement, step.params)),
    client.query('COMMIT'),
  ]);
  const [began, ...answers] = await Promise.allSettled(sent);
  const committed = answers.pop()!;
  if (began!.status === 'rejected') throw began!.reason;
  const rows: Rows[] = [];
  const auditEvents: AuditEventRecord[] = [];
  for (const [index, answer] of answers.entries()) {
    const step = steps[index]!;
    if (answer.status === 'rejected') {
      if (step.requireRow && (answer.reason as { code?: unknown }).code === GUARD_TRIPPED) return { committed: false, stoppedAt: index };
      throw answer.reason;
    }
    const stepRows = answer.value.rows as Rows;
    if (step.requireRow) for (const row of stepRows) delete row[GUARD_COLUMN];
    if (step.recordsAuditEvent && stepRows.length > 0) auditEvents.push(step.recordsAuditEvent);
    rows.push(stepRows);
  }
  if (committed.status === 'rejected') throw committed.reason;
  // every statement succeeded, so COMMIT committed; it answers ROLLBACK only after a failure
  if (committed.value.command !== 'COMMIT') throw new Error(`the transaction ended with ${committed.value.command}, not COMMIT`);
  return { committed: true, rows, auditEvents };
}

function auditListeners() {
  const listeners = new Set<(events: AuditEventRecord[]) => void>();
  return {
    add(listener: (events: AuditEventRecord[]) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    // a listener's fault must not turn a committed change into a failed request
    notify(events: AuditEventRecord[]) {
      if (events.length === 0) return;
      for (const listener of listeners) {
        try {
          listener(events);
        } catch {
          // the listener reports its own failures
        }
      }
    },
  };
}

/**
 * How a statement's rows become objects: better-sqlite3 hands them back as arrays (raw mode) and
 * this builds each object, converting the timestamp columns to Date in the same pass. Left to
 * better-sqlite3, each object is built in C++ one property at a time: the dashboard's list of 10
 * tokens (16 columns) took 43 µs as objects against 25 µs as arrays, and a profile of that request
 * (workload 2) put a fifth of the server's CPU in `.all()`. Building them here cut the server's CPU
 * per request by 5-13% (medians and minimums of 10 turns).
 */
function rowBuilder(columns: readonly string[], dateColumns: readonly string[] = []): (values: unknown[]) => Record<string, unknown> {
  const isDate = columns.map((column) => dateColumns.includes(column));
  return (values) => {
    const row: Record<string, unknown> = {};
    for (let index = 0; index < columns.length; index++) {
      const value = values[index];
      row[columns[index]!] = isDate[index] && typeof value === 'string' ? new Date(value) : value;
    }
    return row;
  };
}

interface PreparedStatement {
  compiled: BetterSqlite3.Statement;
  /** For a statement that returns rows (a SELECT, or RETURNING): how to build each one. */
  buildRow?: (values: unknown[]) => Record<string, unknown>;
}

/**
 * SQLite through better-sqlite3: synchronous, microseconds per statement, so it runs inline.
 * Prisma stores a DateTime as ISO 8601 text with "+00:00", which also sorts chronologically.
 */
export function sqliteDriver(connection: BetterSqlite3.Database): SqlDriver {
  const prepared = new Map<string, PreparedStatement>();
  const encode = (value: Param) => (value instanceof Date ? value.toISOString().replace('Z', '+00:00') : value);
  const prepare = (statement: SqlStatement): PreparedStatement => {
    // $1 → @p1: better-sqlite3 binds named parameters from an object, and a name may repeat
    const compiled = connection.prepare(statement.text.replace(/\$(\d+)/g, '@p$1'));
    // the adapter turns safe integers on for the whole connection; our counts fit a double
    compiled.safeIntegers(false);
    if (!compiled.reader) return { compiled };
    const columns = compiled.columns().map((column) => column.name);
    compiled.raw(true);
    return { compiled, buildRow: rowBuilder(columns, statement.dateColumns) };
  };
  const execute = (statement: SqlStatement, params: readonly Param[]): Record<string, unknown>[] => {
    let entry = prepared.get(statement.name);
    if (!entry) prepared.set(statement.name, (entry = prepare(statement)));
    const args: Record<string, unknown> = {};
    params.forEach((value, index) => (args[`p${index + 1}`] = encode(value)));
    if (!entry.buildRow) {
      entry.compiled.run(args);
      return [];
    }
    return (entry.compiled.all(args) as unknown[][]).map(entry.buildRow);
  };
  // IMMEDIATE takes the write lock at BEGIN, so that no other process's writer can make a step
  // fail halfway with SQLITE_BUSY; better-sqlite3 rolls back when the function throws.
  const runInTransaction = connection.transaction((steps: readonly TransactionStep[]): StepsRun => {
    const run = runSteps(steps);
    let next = run.next();
    while (!next.done) next = run.next(execute(next.value.statement, next.value.params));
    return next.value;
  }).immediate;
  const listeners = auditListeners();
  return {
    async rows<Row>(statement: SqlStatement, params: readonly Param[]): Promise<Row[]> {
      try {
        return execute(statement, params) as Row[];
      } catch (error) {
        rethrowAsDomainError(error);
      }
    },
    async transaction(steps) {
      let run: StepsRun;
      try {
        run = runInTransaction(steps);
      } catch (error) {
        if (error instanceof StepReturnedNoRow) return { committed: false, stoppedAt: error.index };
        rethrowAsDomainError(error);
      }
      listeners.notify(run.auditEvents);
      return { committed: true, rows: run.rows };
    },
    onAuditCommitted: (listener) => listeners.add(listener),
  };
}

// Prisma's PostgreSQL columns are timestamp(3) without time zone, holding UTC wall-clock time.
// pg would read them as local time; these parsers read them as UTC, whatever TZ the process has.
const TIMESTAMP_WITHOUT_TIME_ZONE = 1114;
const utcTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP_WITHOUT_TIME_ZONE
      ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

const ignoreConnectionError = () => {};

/**
 * Runs `send`, which hands queries to the client, with the client's socket corked: pg writes each
 * protocol message (bind, execute, sync) with a write of its own, and a transaction's statements
 * are a dozen messages, a dozen system calls; corked, they leave in one. (A profile of one busy
 * account put a fifth of the server's busy time in socket writes before; workload 13's throughput
 * did not move measurably after.) The queries are written synchronously: the client is connected,
 * and in pipeline mode it sends at once.
 */
function corked<T>(client: pg.PoolClient, send: () => T): T {
  const stream = (client as unknown as { connection?: { stream?: { cork(): void; uncork(): void } } }).connection?.stream;
  stream?.cork();
  try {
    return send();
  } finally {
    stream?.uncork();
  }
}

/** PostgreSQL through the pool Prisma's adapter also uses; statements are prepared by name. */
export function postgresDriver(pool: pg.Pool): SqlDriver {
  // A timestamp literal's offset is ignored by a timestamp-without-time-zone column, so the ISO
  // form stores the UTC wall-clock time, as Prisma does.
  const encode = (value: Param) => (value instanceof Date ? value.toISOString() : value);
  const query = (on: pg.PoolClient, statement: SqlStatement, params: readonly Param[]) =>
    on.query({ name: statement.name, text: statement.text, values: params.map(encode), types: utcTypes });
  const listeners = auditListeners();
  return {
    onAuditCommitted: (listener) => listeners.add(listener),
    async rows<Row>(statement: SqlStatement, params: readonly Param[]): Promise<Row[]> {
      let client: pg.PoolClient | undefined;
      let failure: Error | undefined;
      try {
        client = await pool.connect();
        client.on('error', ignoreConnectionError);
        const on = client;
        return (await corked(on, () => query(on, statement, params))).rows as Row[];
      } catch (error) {
        // as pool.query does: a connection whose query failed is not given back
        failure = error instanceof Error ? error : new Error(String(error));
        rethrowAsDomainError(error);
      } finally {
        client?.removeListener('error', ignoreConnectionError);
        client?.release(failure);
      }
    },
    async transaction(steps) {
      let client: pg.PoolClient | undefined;
      let broken = false;
      try {
        client = await pool.connect();
        // a checked-out client has no pool listener: its connection's end must not be an unhandled 'error'
        client.on('error', ignoreConnectionError);
        const on = client;
        if (steps.every((step) => !('followUp' in step))) {
          const run = await inOneRoundTrip(on, steps as readonly SqlStep[], query);
          if (run.committed) listeners.notify(run.auditEvents);
          return run.committed ? { committed: true, rows: run.rows } : run;
        }
        // BEGIN goes out with the first statements, in the same round trip (see runStepsPipelined)
        const [began, run] = corked(on, () => [
          on.query('BEGIN'),
          runStepsPipelined(steps, (flight) => Promise.allSettled(corked(on, () => flight.map((step) => query(on, step.statement, step.params))))),
        ] as const);
        const [, outcome] = await Promise.allSettled([began, run]);
        await began;
        if (outcome.status === 'rejected') throw outcome.reason;
        await on.query('COMMIT');
        listeners.notify(outcome.value.auditEvents);
        return { committed: true, rows: outcome.value.rows };
      } catch (error) {
        if (error instanceof StepReturnedNoRow) {
          // a connection that cannot even roll back is broken: not given back, and DATABASE_UNAVAILABLE
          await client!.query('ROLLBACK').catch((rollbackError: unknown) => {
            broken = true;
            rethrowAsDomainError(rollbackError);
          });
          return { committed: false, stoppedAt: error.index };
        }
        // a connection that failed mid-transaction is not given back to the pool
        broken = true;
        await client?.query('ROLLBACK').catch(() => {});
        rethrowAsDomainError(error);
      } finally {
        client?.removeListener('error', ignoreConnectionError);
        client?.release(broken);
      }
    },
  };
}

/** The first row a step returned (by its index in the transaction), as the record it is: for a step that requires its row. */
export function rowOf<Row>(rows: readonly Record<string, unknown>[][], step: number): Row {
  const row = rows[step]?.[0];
  if (!row) throw new Error(`step ${step} returned no row`);
  return row as unknown as Row;
}

/** A unique-index violation raised by the driver itself (these statements), not through Prisma. */
export function isDriverUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
