// Answers a dashboard session's query again without executing it, while nothing has been written
// since. A read of the token list costs about 400 µs of CPU, most of it the execution (the rows,
// sixty fields, their dates, the garbage), against about 200 µs for the request around it
// (bench/NOTES.md, workload 2); a dashboard or a frontend polling the same query pays the rest only
// when something changed.
//
// What keeps an answer exact, and what it gives up:
// - The session is checked on every request, before the cache is looked at: a signed-out,
//   expired or revoked session, or a member removed from the team, gets its error as without it.
// - An answer is reused only while the database's data version is the one read before the request
//   read anything, its session included (persistence/sqlite.ts): any commit since, by any path or
//   process, and the query runs again. So it is only on SQLite; on PostgreSQL other instances
//   write, and there is no cache.
// - Answers that depend on the clock (a token passing its expiry, a grace period ending, the
//   month turning) can be up to `ttlMs` late: an answer is reused for at most that long.
// - Only queries, only with a session, only answers without errors. API tokens are never served
//   from it: their every request is looked up, rate-limited and logged.
// - The key is the session, the team it works in and its role there, the operation and its
//   variables: nothing is shared between sessions.
//
// Memory is bounded by the answers' JSON and keys (`maxBytes`; in the heap, a few times that) and by
// their number, least recently used first; an answer larger than MAX_ENTRY_BYTES is not kept, nor one
// whose variables would make a long key. One session can push others' answers out; that costs them
// an execution, never a wrong answer.
import { getOperationAST, type DocumentNode, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { GraphQLContext } from './context.js';

/** An answer larger than this (its JSON and key) is not kept: a page of the activity log, not the token list. */
const MAX_ENTRY_BYTES = 256 * 1024;
/** Answers kept at most, whatever their size: each costs its key and the cache's own record too. */
const MAX_ENTRIES = 10_000;
/** Variables longer than this (as JSON) are not a key: such a request is executed, as always. */
const MAX_VARIABLES_CHARS = 2048;

export interface ResponseCacheOptions {
  /** Changes whenever anything may have been committed to the database. */
  dataVersion: () => string;
  /** The app's clock (ms), the one the domain's rules of time read. */
  now: () => number;
  /** How long an answer is reused at most (0: never). */
  ttlMs: number;
  /** The answers' JSON and keys kept at most, all together. */
  maxBytes: number;
}

interface Entry {
  result: ExecutionResult;
  dataVersion: string;
  storedAt: number;
  bytes: number;
}

export function useResponseCache(options: ResponseCacheOptions): Plugin<GraphQLContext> {
  // Yoga's parse cache hands the same DocumentNode to every request with the same text: its
  // identity stands for the text in the key, without hashing the text each time.
  const documentIds = new WeakMap<DocumentNode, number>();
  let lastDocumentId = 0;
  const documentIdOf = (document: DocumentNode) => {
    let id = documentIds.get(document);
    if (id === undefined) documentIds.set(document, (id = ++lastDocumentId));
    return id;
  };
  const entries = new LRUCache<string, Entry>({ max: MAX_ENTRIES, maxSize: options.maxBytes, sizeCalculation: (entry) => entry.bytes });

  const fresh = (entry: Entry, now: number, dataVersion: string) => entry.dataVersion === dataVersion && now >= entry.storedAt && now - entry.storedAt < options.ttlMs;

  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue;
      if (!context.hasSessionCredential()) return undefined;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'query') return undefined;
      // Read before anything of the request is: the session and team records the execution
      // reuses, and then the execution itself. A commit after this, even during the session's
      // check, leaves the answer out of date at once.
      let dataVersion: string;
      try {
        dataVersion = options.dataVersion();
      } catch {
        return undefined; // the execution meets the database's failure itself, with its own error
      }
      const now = options.now();
      let principal;
      try {
        principal = await context.principal();
      } catch {
        return undefined; // the execution's own check answers with the error
      }
      if (principal.kind !== 'session') return undefined;
      const variables = declaredVariablesOf(operation, args.variableValues);
      if (variables === undefined) return undefined;
      const key = `${principal.session.id}\u0000${principal.account.id}\u0000${principal.role}\u0000${documentIdOf(args.document)}\u0000${args.operationName ?? ''}\u0000${variables}`;
      const cached = entries.get(key);
      if (cached && fresh(cached, now, dataVersion)) {
        setResultAndStopExecution(cached.result);
        return undefined;
      }
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result) || result.errors) return;
          const bytes = key.length + JSON.stringify(result).length;
          if (bytes > MAX_ENTRY_BYTES) return;
          entries.set(key, { result, dataVersion, storedAt: now, bytes });
        },
      };
    },
  };
}

/**
 * The operation's own variables as the key writes them, or undefined when the answer is not to be
 * kept. Only those it declares: the rest change nothing in the execution, and a client sending
 * them must not make keys of any size. A large value is not kept either (the request is executed,
 * as always).
 */
function declaredVariablesOf(operation: OperationDefinitionNode, values: Record<string, unknown> | null | undefined): string | undefined {
  const declared: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (values && Object.hasOwn(values, name)) declared[name] = values[name];
  }
  let written: string;
  try {
    written = JSON.stringify(declared);
  } catch {
    return undefined; // nested past what the serialiser takes
  }
  return written.length <= MAX_VARIABLES_CHARS ? written : undefined;
}
