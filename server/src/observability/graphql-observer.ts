// What the GraphQL layer tells the request's record (request-context.ts) and the metrics: which
// operation ran, its outcome code, refused API tokens, and the live subscriptions held over HTTP.
// A Yoga plugin, so that neither the resolvers nor the domain know they are observed.
import { getOperationAST, Kind, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { requestRecordOf, type RequestRecord } from './request-context.js';
import type { Metrics } from './metrics.js';

const labels = new WeakMap<DocumentNode, Map<string | undefined, string>>();
// Root fields beyond this many make one label, so that the label set stays small and bounded.
const MAX_FIELDS_IN_LABEL = 3;

/**
 * A request's operation as a metric label: its root fields, sorted ("renderDocument",
 * "plans,tokens"). Root fields come from the schema (the query was validated), so the labels are
 * bounded; the client's operationName is its own writing and is not used.
 */
export function operationLabelOf(document: DocumentNode, operationName: string | null | undefined): string {
  const key = operationName ?? undefined;
  const cached = labels.get(document)?.get(key);
  if (cached) return cached;
  const operation = getOperationAST(document, operationName);
  let label: string;
  if (!operation) label = '(unknown)';
  else {
    const fields = new Set<string>();
    for (const selection of operation.selectionSet.selections) fields.add(selection.kind === Kind.FIELD ? selection.name.value : '(fragment)');
    label = fields.size > MAX_FIELDS_IN_LABEL ? `${operation.operation} (${fields.size} fields)` : [...fields].sort().join(',');
  }
  if (!labels.has(document)) labels.set(document, new Map());
  labels.get(document)!.set(key, label);
  return label;
}

/** The errors of a result (of any shape Yoga hands a plugin), if it has them. */
export function errorsOf(result: unknown): ExecutionResult['errors'] {
  if (result && typeof result === 'object' && 'errors' in result) return (result as ExecutionResult).errors;
  return undefined;
}

interface ObservedContext {
  request?: Request;
  /** The Node request under an HTTP request (Yoga's server context). */
  req?: object;
  res?: { once(event: 'close', listener: () => void): unknown };
  /** The request's record, which the GraphQL context carries over HTTP and WebSocket alike. */
  requestRecord?: RequestRecord;
}

export function useRequestObservation(metrics: Metrics | undefined): Plugin<ObservedContext> {
  return {
    onExecute({ args }) {
      const request = args.contextValue.requestRecord;
      if (request) request.operation = operationLabelOf(args.document, args.operationName);
    },
    onSubscribe({ args }) {
      const request = args.contextValue.requestRecord;
      if (request) request.operation = operationLabelOf(args.document, args.operationName);
      const res = args.contextValue.res;
      if (!metrics || !args.contextValue.request || !res) return undefined; // WebSocket: read from the shared delivery
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) return;
          metrics.liveSubscriptions.inc({ transport: 'http' });
          res.once('close', () => metrics.liveSubscriptions.dec({ transport: 'http' }));
        },
      };
    },
    onResultProcess({ result, serverContext }) {
      const request = requestRecordOf((serverContext as ObservedContext).req);
      if (!request) return;
      if (Array.isArray(result) || (result && typeof result === 'object' && Symbol.asyncIterator in result)) {
        request.code = 'OK'; // a stream (server-sent events): its start went well
        return;
      }
      const errors = errorsOf(result) ?? [];
      request.code = (errors[0]?.extensions?.['code'] as string | undefined) ?? (errors.length ? 'INTERNAL_SERVER_ERROR' : 'OK');
      if (!metrics) return;
      for (const error of errors) {
        const http = error.extensions?.['http'] as { status?: number } | undefined;
        if (http?.status === 401) metrics.tokenAuthFailures.inc({ code: String(error.extensions['code']) });
      }
    },
  };
}
