// buildApp(config) → { start, stop }: one HTTP server carrying Yoga, the dashboard and the
// health checks, and graphql-ws on the same /graphql path for WebSocket clients.
// (Over 200 lines: the composition of the server, its routes and its timers reads best in one place.)
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { DestinationStream } from 'pino';
import sirv from 'sirv';
import type { AppConfig } from './config.js';
import { openDatabase, type Database, type DatabaseOptions } from './persistence/database.js';
import { createServices, type Clock, type Services } from './services.js';
import { useCookies } from '@whatwg-node/server-plugin-cookies';
import { createContextFactory, type GraphQLContext, type InitialContext } from './graphql/context.js';
import { AuditEventFeed } from './live/audit-event-feed.js';
import { RequestLogFeed } from './live/request-log-feed.js';
import { DocumentCountFeed } from './live/document-count-feed.js';
import { maskError, useRequestErrorCodes, useUnexpectedErrorLog, withoutExpectedErrors } from './graphql/errors.js';
import { useResponseHeaders } from './graphql/response-headers.js';
import { useResponseCache } from './graphql/response-cache.js';
import { createLiveEvents, liveAnnouncementsOf, type LiveEvents } from './live/events.js';
import { CSRF_HEADER, protectionPlugins } from './graphql/protection.js';
import { schema } from './graphql/schema.js';
import { ConnectionsPerAddress, httpServerTimeouts, NO_ADDRESS_CAP } from './http/connection-limits.js';
import { UnsentAnswers } from './http/unsent-answers.js';
import { useLargeAnswerAdmission } from './http/large-answer-admission.js';
import { LiveConnections, useHttpSubscriptionLimit } from './http/live-connections.js';
import { createOriginPolicy } from './http/origin-policy.js';
import { closeHttpServer } from './http/graceful-shutdown.js';
import { operationalRoutes } from './http/operational-routes.js';
import { setSecurityHeaders } from './http/security-headers.js';
import { ScannerKeyDirectory, SECRET_SCANNING_PATH, secretScanningHandler } from './http/secret-scanning.js';
import { resolveClientAddress, type RequestAddresses } from './http/client-address.js';
import { createRateLimiters } from './rate-limiting/rate-limiters.js';
import { attachGraphQLWebSocketServer, type GraphQLWebSocketServer } from './websocket/graphql-ws-server.js';
import { createObservability } from './observability/observability.js';
import { requestLogger, requestRecordOf } from './observability/request-context.js';
import { startUpkeep } from './upkeep.js';
import { mailRoutes } from './mail/mail-routes.js';
import { ACTIVITY_EXPORT_PATH, activityExport } from './http/activity-export.js';
import { DevMailbox, smtpTransport, type MailTransport } from './mail/mail-transport.js';
import type { Logger } from './observability/logger.js';

export const GRAPHQL_PATH = '/graphql';
/** What `new URL('/graphql', …)` gives; shared by the requests for exactly that path, and only read. */
const GRAPHQL_URL: Readonly<URL> = new URL(GRAPHQL_PATH, 'http://localhost');

interface ServerContext {
  req: IncomingMessage;
  res: ServerResponse;
}

export interface App {
  yoga: YogaServerInstance<ServerContext, GraphQLContext>;
  database: Database;
  services: Services;
  webSockets: Pick<GraphQLWebSocketServer, 'clientCount' | 'sharedSubscriptions'>;
  /** The live feeds' sharing: event subscriptions open in this process, and each account's audit subscriptions. */
  live: { eventSubscriptions(): number; auditSubscribers(accountId: string): number };
  /** What clients that do not read their answers hold (http/unsent-answers.ts). */
  unsentAnswers: Pick<UnsentAnswers, 'unsentBytes' | 'connectionsClosedForNoProgress'>;
  logger: Logger;
  /** Where /metrics is served when METRICS_PORT gives it a port of its own (after start). */
  metricsUrl(): string | undefined;
  /** Listens on the port (0 picks a free one) and resolves to the server's base URL. */
  start(port?: number, host?: string): Promise<string>;
  /**
   * Graceful shutdown: stops accepting connections, lets in-flight requests finish (up to the
   * shutdown timeout), closes WebSockets with 1012 so that clients reconnect, then closes Redis
   * and the database. Always resolves within the timeout.
   */
  stop(): Promise<void>;
}

export interface AppOptions extends DatabaseOptions {
  /** Receives the JSON log lines instead of stdout (tests read them). */
  logDestination?: DestinationStream;
  /** The clock of the token rules (expiry, grace periods); tests move it instead of waiting. */
  clock?: Clock;
}

/** Readiness for load balancers: the database answers with every migration applied, and Redis is connected when configured. */
async function readiness(database: Database, events: LiveEvents) {
  const checks: Record<string, string> = {};
  try {
    checks.migrations = (await database.migrationsApplied()) ? 'ok' : 'pending';
    checks.database = 'ok';
  } catch {
    checks.database = 'unreachable';
    checks.migrations = 'unknown';
  }
  checks.events = events.isReady() ? 'ok' : 'disconnected';
  return { ready: Object.values(checks).every((check) => check === 'ok'), checks };
}

/**
 * SMTP_URL's server, or the dev mailbox. In production without SMTP_URL nothing is delivered: the
 * messages wait in the outbox (none is lost) until the service runs with SMTP_URL, and it says so at start.
 */
function mailTransportOf(config: AppConfig, logger: Logger): { transport: MailTransport; deliver: boolean } {
  if (config.smtpUrl) return { transport: smtpTransport(config.smtpUrl), deliver: true };
  if (config.production) {
    logger.error('NODE_ENV=production and no SMTP_URL: no mail is sent (address verification, password resets, notices wait in the outbox). Set SMTP_URL and MAIL_FROM.');
    return { transport: new DevMailbox(() => {}), deliver: false };
  }
  return { transport: new DevMailbox((line, fields) => logger.info(fields, line)), deliver: true };
}

export async function buildApp(config: AppConfig, options: AppOptions = {}): Promise<App> {
  const observability = createObservability(config, options);
  const { logger } = observability;
  const database = await openDatabase(config.databaseUrl, observability.databaseOptions(options));
  const rateLimiters = createRateLimiters(config.limits, config.redisUrl);
  const events = createLiveEvents({ redisUrl: config.redisUrl, onError: observability.redisError });
  // the one reading of a request's client address, for every rate limit and log line
  const clientAddressOf = (addresses: RequestAddresses) => resolveClientAddress(addresses, config.trustProxy);
  const mail = mailTransportOf(config, logger);
  const services = createServices(database, rateLimiters, config.limits, observability.announcements(liveAnnouncementsOf(events)), {
    ...observability.serviceHooks(),
    mail: {
      transport: mail.transport,
      from: config.mailFrom,
      publicUrl: config.publicUrl,
      onAttempt: (outcome, givenUp) => observability.mailAttempted(outcome, givenUp),
    },
    onBackgroundError: (error) => logger.error({ err: error }, 'password reset request failed after its answer'),
    now: options.clock,
    webhookAllowPrivateUrls: config.webhookAllowPrivateUrls,
    onRendererEnded: (details) => observability.rendererEnded(details),
    // asked at each render's start, once requests are being served (unsentAnswers exists by then)
    refuseToRender: () => unsentAnswers.renderRefusal(),
    tokenRateLimit: { perSecond: config.limits.documentsPerTokenPerSecond, perMinute: config.limits.documentsPerTokenPerMinute },
    requestLog: config.requestLog
      ? {
          enabled: true,
          flushIntervalMs: config.requestLogFlushMs,
          onDropped: (count) => observability.requestLogDropped(count),
          onError: (error) => observability.requestLogFailed(error),
        }
      : { enabled: false },
  });
  const documentCounts = new DocumentCountFeed(events, {
    activeTokens: (accountId) => services.apiTokens.listTokens(accountId, 'ACTIVE'),
    ownedToken: (accountId, tokenId) => services.apiTokens.findOwnedToken(accountId, tokenId),
    currentPeriod: (accountId) => services.usage.currentPeriod(accountId),
  });
  const auditEvents = new AuditEventFeed(events, config.limits.liveMaxUnreadEvents);
  const requestLog = new RequestLogFeed(events, config.limits.liveMaxUnreadEvents);
  const createContext = createContextFactory({
    services,
    documentCounts,
    auditEvents,
    requestLog,
    secureCookies: config.secureCookies,
    clientAddressOf,
  });
  // Which browser pages may call the API and open WebSockets with the user's cookie: our own, and ALLOWED_ORIGINS
  const originPolicy = createOriginPolicy({ allowedOrigins: config.allowedOrigins, https: config.secureCookies });
  const liveConnections = new LiveConnections(config.limits.wsMaxConnectionsPerAccount);
  const unsentAnswers = new UnsentAnswers({ stallTimeoutMs: config.limits.httpWriteStallTimeoutMs, maxTotalBytes: config.limits.httpMaxUnsentBytes });
  // Behind a proxy (TRUST_PROXY) every connection comes from the proxy, and capping its address
  // would cap every client together: there the proxy has to limit connections per client.
  const addressCap = config.limits.maxConnectionsPerAddress > 0 && !config.trustProxy ? new ConnectionsPerAddress(config.limits.maxConnectionsPerAddress) : NO_ADDRESS_CAP;

  // webSockets is made with Yoga; the debug route reads it only when asked, by then it exists
  const routes = operationalRoutes({
    readiness: () => readiness(database, events),
    metrics: observability.metricsOnMainPort,
    debugEndpoints: config.debugEndpoints,
    webSockets: { clientCount: () => webSockets.clientCount(), sharedSubscriptions: () => webSockets.sharedSubscriptions() },
  });

  const mailPaths = mailRoutes({
    unsubscribe: (personId, kind, signature) => services.notifications.unsubscribe(personId, kind, signature),
    devMailbox: mail.transport instanceof DevMailbox && !config.production ? mail.transport : undefined,
  });

  // last, so that every other plugin's onExecute sees an answer from the cache as any other
  const clock = options.clock ?? (() => new Date());
  const responseCache = database.dataVersion && config.responseCacheTtlMs > 0
    ? [useResponseCache({ dataVersion: database.dataVersion, now: () => clock().getTime(), ttlMs: config.responseCacheTtlMs, maxBytes: config.responseCacheBytes })]
    : [];
  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: config.graphiql ? { title: 'Pogodoc API tokens', headers: JSON.stringify({ [CSRF_HEADER]: '1' }) } : false,
    landingPage: false,
    logging: withoutExpectedErrors(observability.yogaLogger),
    maskedErrors: { maskError },
    // no file uploads, no batching: neither is part of this API
    multipart: false,
    batching: false,
    // enforced by useRequestBodyLimit (graphql/protection.ts), without a stream per request
    maxRequestBodySize: false,
    // Yoga's default reflects any Origin, with credentials; this grants only ALLOWED_ORIGINS
    cors: (request) => originPolicy.cors(request),
    context: (initial) => createContext(initial as InitialContext),
    plugins: [...routes.plugins, ...mailPaths.plugins, activityExport(createContext), observability.graphqlPlugin, useRequestErrorCodes({ suggestions: config.introspection }), useUnexpectedErrorLog(logger), useCookies(), useResponseHeaders(), ...protectionPlugins(config.limits, config), useHttpSubscriptionLimit(liveConnections), useLargeAnswerAdmission(unsentAnswers), ...responseCache],
  });

  const serveDashboard = existsSync(path.join(config.dashboardDir, 'index.html'))
    ? sirv(config.dashboardDir, {
        single: true,
        etag: true,
        // the .br and .gz the build made beside each asset (client/vite.config.ts)
        brotli: true,
        gzip: true,
        // a hashed asset never changes under its name; index.html names the current ones, so it
        // is checked on every load and a deploy is seen at once
        setHeaders: (res, pathname) =>
          res.setHeader('cache-control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
      })
    : undefined;

  // the leak endpoint exists only where a scanner's key list is configured
  const secretScanning = config.secretScanningKeysUrl
    ? secretScanningHandler({
        keys: new ScannerKeyDirectory(config.secretScanningKeysUrl),
        leaks: services.leaks,
        maxBodyBytes: config.limits.maxRequestBodyBytes,
        clientAddress: (req) => {
          const forwarded = req.headers['x-forwarded-for'];
          return clientAddressOf({ remoteAddress: req.socket.remoteAddress, forwardedFor: Array.isArray(forwarded) ? forwarded.join(',') : forwarded });
        },
        onError: (error) => logger.error({ err: error }, 'secret scanning key list unavailable'),
      })
    : undefined;

  const isApiPath = (pathname: string) => pathname === GRAPHQL_PATH || pathname.startsWith(`${GRAPHQL_PATH}/`);
  const observeRequest = observability.observeRequest(isApiPath, ({ record, path: requestPath, status, code, durationMs, finished }) => {
    // the GraphQL context told the record which token the request presented (graphql/context.ts)
    if (!record.presentedToken || !config.requestLog) return;
    // an answer the client never had in full is ABORTED in its log, whatever the result was
    const outcome = finished ? code : 'ABORTED';
    services.requestLog.record(record.presentedToken, { requestId: record.id, operation: record.operation ?? requestPath, outcome, httpStatus: status, durationMs });
  });
  const server: Server = createServer(httpServerTimeouts(config.limits), (req, res) => observeRequest(req, res, () => {
    if (!addressCap.admitRequest(req, res)) return;
    unsentAnswers.inTurn(req, res, () => route(req, res));
  }));
  const route = (req: IncomingMessage, res: ServerResponse) => {
    // A request for exactly /graphql (every API call but GraphiQL's page and SSE query strings)
    // has nothing to normalise: it skips the URL parse, about 1% of a dashboard read's CPU.
    const url = req.url === GRAPHQL_PATH ? GRAPHQL_URL : new URL(req.url ?? '/', 'http://localhost');
    const isApi = isApiPath(url.pathname);
    setSecurityHeaders(req, res, { isApi, https: config.secureCookies });
    if (secretScanning && url.pathname === SECRET_SCANNING_PATH) {
      secretScanning(req, res).catch((error: unknown) => {
        requestLogger(logger, requestRecordOf(req)).error({ err: error }, 'unexpected error on the secret scanning endpoint');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"errors":[{"message":"Unexpected error.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}');
      });
      return;
    }
    if (isApi || routes.paths.has(url.pathname) || mailPaths.paths.has(url.pathname) || url.pathname === ACTIVITY_EXPORT_PATH) {
      void yoga.requestListener(req, res);
      return;
    }
    if (serveDashboard) {
      serveDashboard(req, res);
      return;
    }
    // no built dashboard (npm run build:client makes one): the front door is GraphiQL
    res.writeHead(302, { location: GRAPHQL_PATH }).end();
  };
  unsentAnswers.attach(server);

  const webSockets = attachGraphQLWebSocketServer({
    server,
    path: GRAPHQL_PATH,
    yoga,
    createContext,
    documentCounts,
    limits: config.limits,
    liveConnections,
    originPolicy,
    admitUpgrade: (req) => addressCap.admitUpgrade(req),
    onUnexpectedError: (error, request) => requestLogger(logger, request).error({ err: error }, 'unexpected error on a WebSocket'),
  });
  observability.readFrom({
    webSocketConnections: () => webSockets.clientCount(),
    webSocketSubscriptions: () => webSockets.sharedSubscriptions().subscriptions,
    unsentAnswerBytes: () => unsentAnswers.unsentBytes(),
    connectionsClosedForNoProgress: () => unsentAnswers.connectionsClosedForNoProgress(),
  });

  const upkeep = startUpkeep(services, { ...config, mailPollMs: mail.deliver ? config.mailPollMs : 0 }, logger);

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    upkeep.stop();
    unsentAnswers.close();
    await closeHttpServer(server, () => webSockets.close(), config.limits.shutdownTimeoutMs);
    await services.emailAddresses.settled();
    mail.transport.close();
    await services.close();
    routes.close();
    await events.close();
    await rateLimiters.close();
    await database.close();
    await observability.close();
  };

  return {
    yoga,
    database,
    services,
    webSockets,
    live: { eventSubscriptions: () => events.subscriptionCount(), auditSubscribers: (accountId) => auditEvents.subscriberCount(accountId) },
    unsentAnswers,
    logger,
    metricsUrl: observability.metricsUrl,
    async start(port = config.port, host = config.host) {
      await observability.start(host);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${hostname}:${address.port}`);
        });
      });
    },
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}
