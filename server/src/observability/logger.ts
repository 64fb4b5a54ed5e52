// The service's one logger: pino, one JSON object per line on stdout, a request's lines
// naming its id (request-context.ts). LOG_FORMAT=pretty (the default under NODE_ENV=development,
// and in npm run dev) prints lines for people instead, through pino-pretty, a dev dependency that a
// production install does not have and does not need.
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { YogaLogger } from 'graphql-yoga';
import type { LogFormat } from '../config.js';

export type { Logger } from 'pino';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type { LogFormat };

// Nothing the service logs on purpose holds these, but an object that reaches a log line by
// accident (an error's request, headers, GraphQL variables) must not carry them out.
export const REDACTED_PATHS = [
  'password', '*.password',
  'secret', '*.secret',
  'sessionToken', '*.sessionToken',
  'token', '*.token',
  'authorization', '*.authorization', '*.headers.authorization', '*.*.headers.authorization',
  'cookie', '*.cookie', '*.headers.cookie', '*.*.headers.cookie', '*.headers["set-cookie"]',
  'variables', '*.variables',
  'connectionParams', '*.connectionParams',
];

// The shape of our secrets (domain/secrets.ts, and the webhook signing secrets of
// domain/webhooks.ts: "whsec_" and base64), for text that no path can name: an error's message or
// stack that quotes an input.
const SECRET_TEXT = /pg[ds]_[0-9A-Za-z]{8,}|whsec_[0-9A-Za-z+/=]{8,}/g;
const scrub = (text: string) => text.replace(SECRET_TEXT, '[Redacted]');

export interface LoggerOptions {
  level: LogLevel;
  format?: LogFormat;
  /** Where the lines go instead of stdout (the tests read them). */
  destination?: DestinationStream;
}

/** Fails with what to do when LOG_FORMAT=pretty is asked of an install without pino-pretty. */
export function checkLogFormat(format: LogFormat): void {
  if (format !== 'pretty') return;
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    throw new Error('LOG_FORMAT=pretty needs the dev dependency pino-pretty (an install without --omit=dev); use LOG_FORMAT=json in production');
  }
}

export function createLogger({ level, format = 'json', destination }: LoggerOptions): Logger {
  checkLogFormat(format);
  const stream =
    destination ??
    (format === 'pretty'
      ? pino.transport({ target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } })
      : // Written asynchronously: a synchronous write per line blocks the event loop on a slow
        // reader of the pipe. pino flushes what is left when the process exits; only a SIGKILL
        // can lose the lines of the last moment.
        pino.destination({ dest: 1, sync: false }));
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      serializers: {
        err: (error: unknown) => {
          const serialized = pino.stdSerializers.err(error as Error);
          return { ...serialized, message: scrub(serialized.message ?? ''), stack: scrub(serialized.stack ?? '') };
        },
      },
      hooks: {
        // scrub secret-shaped text from every message, whoever wrote it
        logMethod(args, method) {
          return method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    stream as DestinationStream,
  );
}

/** Yoga's logger interface over ours: Yoga logs an unexpected error as the error itself. */
export function yogaLoggerOf(logger: Logger): YogaLogger {
  const forward = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]) => {
    const [first, ...rest] = args;
    if (first instanceof Error) logger[level]({ err: first }, rest.length ? rest.map(String).join(' ') : first.message);
    else if (typeof first === 'string') logger[level](rest.length ? `${first} ${rest.map(String).join(' ')}` : first);
    else logger[level]({ detail: first }, rest.map(String).join(' '));
  };
  return { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') };
}
