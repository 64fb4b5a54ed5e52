// The edge of every HTTP request: its record and id (from X-Request-Id when safe, echoed in the
// response), and, when its response ends, one summary line and the request metrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';
import { REQUEST_ID_HEADER, recordRequest, type RequestRecord } from './request-context.js';

/** How a request ended, for what else records requests (the request log). */
export interface EndedRequest {
  record: RequestRecord;
  path: string;
  status: number;
  code: string;
  durationMs: number;
  /** Whether the whole response was written before the connection closed. */
  finished: boolean;
}

export function observeHttpRequests({
  logger,
  metrics,
  isApi,
  onEnded,
}: {
  logger: Logger;
  metrics?: Metrics;
  isApi: (path: string) => boolean;
  onEnded?: (request: EndedRequest) => void;
}) {
  return (req: IncomingMessage, res: ServerResponse, handle: () => void): void => {
    const record = recordRequest(req);
    const startedAt = performance.now();
    res.setHeader(REQUEST_ID_HEADER, record.id);
    res.once('close', () => {
      const durationMs = performance.now() - startedAt;
      const path = (req.url ?? '/').split('?')[0]!;
      const api = isApi(path);
      // a request that never reached a GraphQL result: the edge answered it (413, 405, a
      // dropped connection)
      const code = record.code ?? (!res.writableFinished ? 'ABORTED' : res.statusCode < 400 ? 'OK' : `HTTP_${res.statusCode}`);
      const operation = record.operation ?? '(none)';
      if (api && metrics) {
        const ofOperation = metrics.requestsOf(operation);
        ofOperation.count(code).inc();
        ofOperation.duration.observe(durationMs / 1000);
      }
      const fields = { reqId: record.id, method: req.method, path, status: res.statusCode, operation: api ? operation : undefined, code, durationMs: Math.round(durationMs * 100) / 100 };
      // API requests are what an operator follows; health checks and the dashboard's files are noise
      if (api) logger.info(fields, 'request');
      else logger.debug(fields, 'request');
      onEnded?.({ record, path, status: res.statusCode, code, durationMs, finished: res.writableFinished });
    });
    handle();
  };
}
