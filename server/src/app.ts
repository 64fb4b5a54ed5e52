// buildApp(config) → { start, stop }: one HTTP server carrying Yoga, and graphql-ws on the
// same path for WebSocket clients. Both go through the same envelop: context, plugins, masking.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import sirv from 'sirv';
import type { AddressInfo } from 'node:net';
import { createYoga, type Plugin, type YogaLogger, type YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ExecutionArgs } from 'graphql';
import type { AppConfig } from './config.js';
import { openDatabase, type Database, type DatabaseOptions } from './persistence/database.js';
import { createServices, type Services } from './services.js';
import { createContextFactory, pendingCookies, type GraphQLContext, type InitialContext } from './graphql/context.js';
import { useDomainErrors } from './graphql/errors.js';
import { createLiveEvents, type LiveEvents } from './graphql/events.js';
import { schema } from './graphql/schema.js';

export const GRAPHQL_PATH = '/graphql';

interface ServerContext {
  req: IncomingMessage;
  res: ServerResponse;
}

export interface App {
  yoga: YogaServerInstance<ServerContext, GraphQLContext>;
  database: Database;
  services: Services;
  /** Listens on the port (0 picks a free one) and resolves to the server's base URL. */
  start(port?: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Adds the Set-Cookie headers that signUp, signIn and signOut asked for. */
function useSessionCookies(): Plugin {
  return {
    onResponse({ request, response }) {
      for (const cookie of pendingCookies.get(request) ?? []) response.headers.append('Set-Cookie', cookie);
    },
  };
}

export interface AppOptions extends DatabaseOptions {
  /** Receives Yoga's log lines instead of the console (tests capture them). */
  logger?: YogaLogger;
}

/** Readiness for load balancers: the database answers with every migration applied, and Redis is connected when configured. */
async function readiness(database: Database, events: LiveEvents) {
  const checks: Record<string, string> = {};
  try {
    checks.database = 'ok';
    checks.migrations = (await database.migrationsApplied()) ? 'ok' : 'pending';
  } catch {
    checks.database = 'unreachable';
    checks.migrations = 'unknown';
  }
  checks.events = events.isReady() ? 'ok' : 'disconnected';
  return { ready: Object.values(checks).every((check) => check === 'ok'), checks };
}

export async function buildApp(config: AppConfig, options: AppOptions = {}): Promise<App> {
  const database = await openDatabase(config.databaseUrl, options);
  const services = createServices(database);
  const logger = options.logger ?? (config.logging === false ? undefined : console);
  const events = createLiveEvents({
    redisUrl: config.redisUrl,
    onError: (message) => logger?.warn(message),
  });
  const createContext = createContextFactory({ services, events, secureCookies: config.secureCookies });

  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: config.graphiql ? { title: 'Pogodoc API tokens' } : false,
    landingPage: false,
    logging: options.logger ?? config.logging,
    maskedErrors: true,
    context: (initial) => createContext(initial as InitialContext),
    plugins: [useDomainErrors(), useSessionCookies()],
  });

  const serveDashboard = existsSync(path.join(config.dashboardDir, 'index.html'))
    ? sirv(config.dashboardDir, { single: true, etag: true, gzip: false, brotli: false })
    : undefined;

  const server: Server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname === '/health') {
      // liveness: the process answers
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (pathname === '/ready') {
      void readiness(database, events).then(({ ready, checks }) => {
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }));
      });
      return;
    }
    if (pathname === GRAPHQL_PATH || pathname?.startsWith(`${GRAPHQL_PATH}/`)) {
      void yoga.requestListener(req, res);
      return;
    }
    if (serveDashboard) {
      serveDashboard(req, res);
      return;
    }
    // no built dashboard (npm run build:client makes one): the front door is GraphiQL
    res.writeHead(302, { location: GRAPHQL_PATH }).end();
  });

  const wsServer = new WebSocketServer({ server, path: GRAPHQL_PATH });
  type EnvelopedArgs = ExecutionArgs & {
    rootValue: { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };
  };
  useServer(
    {
      execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        const initial: InitialContext = {
          upgradeRequest: ctx.extra.request,
          connectionParams: ctx.connectionParams ?? {},
        };
        const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...initial,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        const args: EnvelopedArgs = {
          schema: envelopedSchema,
          operationName: payload.operationName,
          document: parse(payload.query),
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wsServer,
  );

  return {
    yoga,
    database,
    services,
    start(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${hostname}:${address.port}`);
        });
      });
    },
    async stop() {
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await events.close();
      await database.close();
    },
  };
}
