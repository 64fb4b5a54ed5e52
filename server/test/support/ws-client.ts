// A real graphql-ws client over a real WebSocket, with optional extra upgrade headers (cookies).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export function wsClient(httpUrl: string, options: { connectionParams?: Record<string, unknown>; headers?: Record<string, string> } = {}): Client {
  const headers = options.headers ?? {};
  class WebSocketWithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  return createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocketWithHeaders,
    connectionParams: options.connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

export interface Collected<T> {
  values: T[];
  errors: unknown[];
  /** Resolves once `count` values have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves once the values received so far satisfy `done`. */
  waitUntil(done: (values: T[]) => boolean, timeoutMs?: number): Promise<T[]>;
  /** Resolves with the first error. */
  waitForError(timeoutMs?: number): Promise<unknown>;
  dispose(): void;
}

export function collect<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Collected<T> {
  const values: T[] = [];
  const errors: unknown[] = [];
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(value.errors);
        else values.push(value.data as T);
        notify();
      },
      error: (error) => {
        errors.push(error);
        notify();
      },
      complete: () => {},
    },
  );
  const until = <R>(check: () => R | undefined, timeoutMs: number, what: string) =>
    new Promise<R>((resolve, reject) => {
      const attempt = () => {
        const result = check();
        if (result === undefined) return false;
        listeners.delete(attempt as () => void);
        clearTimeout(timer);
        resolve(result);
        return true;
      };
      const timer = setTimeout(() => {
        listeners.delete(attempt as () => void);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify({ values, errors })}`));
      }, timeoutMs);
      if (!attempt()) listeners.add(attempt as () => void);
    });
  return {
    values,
    errors,
    waitFor: (count, timeoutMs = 10_000) => until(() => (values.length >= count ? values.slice(0, count) : undefined), timeoutMs, `${count} values`),
    waitUntil: (done, timeoutMs = 10_000) => until(() => (done(values) ? values : undefined), timeoutMs, 'the expected values'),
    waitForError: (timeoutMs = 10_000) => until(() => errors[0], timeoutMs, 'an error'),
    dispose,
  };
}
