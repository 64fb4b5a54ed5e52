// One context for HTTP and WebSocket operations. Credentials come from
// Authorization: Bearer (scripts and integrators), the graphql-ws connection_init payload,
// or the session cookie (browsers). Lookups are lazy and happen at most once per operation.
// A session works in the team its request names (the Pogodoc-Team header, or `team` in
// connection_init; the person's personal team without one), with its role there; an API token
// works in its own team only.
import type { EmailAddressService } from '../domain/email-addresses.js';
import type { NotificationPreferencesService } from '../domain/notification-preferences.js';
import type { MailDelivery } from '../mail/mail-delivery.js';
import type { RequestLogEntry, RequestLogService, TokenPresentation } from '../domain/request-log.js';
import { requestRecordOf, type RequestRecord } from '../observability/request-context.js';
import type { RequestLogFeed, RequestLogWatch } from '../live/request-log-feed.js';
import { keptUserAgent } from '../domain/documents.js';
import type { IncomingMessage } from 'node:http';
import '@whatwg-node/server-plugin-cookies'; // Request.cookieStore, set by its useCookies plugin (app.ts)
import type { AuditEventRecord } from '../domain/audit.js';
import type { AuditEventFeed, AuditEventWatch } from '../live/audit-event-feed.js';
import { mergingIterator } from '../live/bounded-push.js';
import { parseCookie } from 'cookie';
import type { AccountRecord, ApiTokenRecord, SessionWithAccount } from '../domain/ports.js';
import { SessionRequiredError } from '../domain/errors.js';
import { secretKindOf } from '../domain/secrets.js';
import type { AccountService } from '../domain/accounts.js';
import type { ApiTokenService } from '../domain/api-tokens.js';
import type { AuditLog } from '../domain/audit.js';
import type { DocumentService } from '../domain/documents.js';
import type { LeakResponseService } from '../domain/leak-response.js';
import type { TokenPagesService } from '../domain/token-pages.js';
import type { TwoFactorService } from '../domain/two-factor.js';
import type { UsageService } from '../domain/usage.js';
import type { WebhookDelivery } from '../webhooks/delivery.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import type { DocumentCountFeed, DocumentCountWatch } from '../live/document-count-feed.js';
import type { WatchingSession } from '../live/account-channels.js';
import { TeamNotFoundError } from '../domain/errors.js';
import { TEAM_HEADER, type TeamAccess, type TeamRole, type TeamService } from '../domain/teams.js';
import type { DocumentCountChange } from '../live/events.js';

export const SESSION_COOKIE = 'pogodoc_session';

/** Who calls, and in which team (`account`): a person's session with their role there, or an API token in its own. */
export type Principal =
  | { kind: 'session'; account: AccountRecord; role: TeamRole; session: SessionWithAccount }
  | { kind: 'token'; account: AccountRecord; token: ApiTokenRecord };

export interface GraphQLContext {
  services: Services;
  /**
   * Live counts for what a documentCount subscription watches, under the feed's rules. Over HTTP
   * (SSE) an iterator of the changes; a transport that delivers them itself replaces it (the
   * WebSocket server writes each change to the socket directly, websocket/graphql-ws-server.ts).
   */
  openDocumentCounts(watch: DocumentCountWatch): AsyncIterable<DocumentCountChange>;
  /** The account's audit events as they commit, until the watching session ends; the same on every transport (live/audit-event-feed.ts). */
  openAuditEvents(watch: AuditEventWatch): AsyncIterable<AuditEventRecord>;
  /** The account's request log entries as their batches are written, until the watching session ends (live/request-log-feed.ts). */
  openRequestLog(watch: RequestLogWatch): AsyncIterable<RequestLogEntry>;
  /** The Bearer credential exactly as sent: for document requests, the API token. */
  bearer: string | undefined;
  /** The dashboard session token, from the Bearer header, connection_init or cookie. */
  sessionToken: string | undefined;
  /**
   * Who calls: the dashboard session, or the API token of a Bearer header (a management token;
   * graphql/authorization.ts decides what it may call). Throws what the credential's check throws.
   */
  principal(): Promise<Principal>;
  /** The principal's team. */
  viewer(): Promise<AccountRecord>;
  /** A session's team and role there, for managing the team; SESSION_REQUIRED for an API token. */
  teamAccess(): Promise<TeamAccess>;
  /** The team a session's live view watches, and the session it ends with (sign-out, expiry, leaving the team). */
  watchingSession(): Promise<{ team: AccountRecord; session: WatchingSession }>;
  /** The dashboard session; throws UNAUTHENTICATED, SESSION_EXPIRED, or SESSION_REQUIRED for an API token. */
  viewerSession(): Promise<SessionWithAccount>;
  /**
   * The client's address, for rate limits: the peer, or with TRUST_PROXY the X-Forwarded-For hop
   * that our own proxies received the request from (http/client-address.ts). Normalised.
   */
  clientAddress: string;
  /** The User-Agent header, as sent (recorded as a token's last use). */
  userAgent: string | undefined;
  /**
   * The Idempotency-Key header of an HTTP request, as sent. Never set over WebSocket: a header of
   * the upgrade request would be one key for every operation on the connection.
   */
  idempotencyKey: string | undefined;
  /** This request's record (observability/request-context.ts): its id for log lines, and what its summary line and request log entry say. */
  requestRecord: RequestRecord | undefined;
  /** Tells the request's record which API token it presented, usable or not (its request log entry is written for that token). */
  tokenPresented(presentation: TokenPresentation): void;
  /** Adds a header to the HTTP response of this request (nothing over WebSocket). */
  setResponseHeader(name: string, value: string): void;
  /** What setResponseHeader collected; useResponseHeaders (graphql/errors.ts) hands it to Yoga. */
  responseHeaders: Record<string, string>;
  /** Whether a session credential was sent at all. */
  hasSessionCredential(): boolean;
  /** Sets the session cookie on this HTTP response (no-op over WebSocket). */
  setSessionCookie(token: string, expiresAt: Date): Promise<void>;
  clearSessionCookie(): Promise<void>;
}

/** The services the resolvers call (services.ts builds them). */
export interface Services {
  accounts: AccountService;
  apiTokens: ApiTokenService;
  documents: DocumentService;
  audit: AuditLog;
  leaks: LeakResponseService;
  webhooks: WebhookService;
  webhookDelivery: WebhookDelivery;
  usage: UsageService;
  tokenPages: TokenPagesService;
  twoFactor: TwoFactorService;
  teams: TeamService;
  emailAddresses: EmailAddressService;
  notifications: NotificationPreferencesService;
  mailDelivery: MailDelivery;
  requestLog: RequestLogService;
  /** Ends the renderer processes and writes the request log's last entries. Call it once no request is in flight any more (shutdown). */
  close(): Promise<void>;
}

export interface ContextDependencies {
  services: Services;
  documentCounts: DocumentCountFeed;
  auditEvents: AuditEventFeed;
  requestLog: RequestLogFeed;
  secureCookies: boolean;
  /** The client's address, from the connection's peer and X-Forwarded-For as TRUST_PROXY says (http/client-address.ts). */
  clientAddressOf(request: { remoteAddress: string | undefined; forwardedFor: string | undefined }): string;
}

/** What the context reads of a WebSocket's upgrade request (a Node IncomingMessage has it). */
export interface UpgradeRequest {
  headers: IncomingMessage['headers'];
  socket: { remoteAddress?: string };
}

/** What Yoga hands the context factory: a Fetch request over HTTP, the upgrade request over WebSocket. */
export interface InitialContext {
  request?: Request;
  /** The Node request under the Fetch one (Yoga's server context). */
  req?: UpgradeRequest;
  upgradeRequest?: UpgradeRequest;
  connectionParams?: Readonly<Record<string, unknown>>;
}

function bearerFrom(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(authorization);
  return match ? match[1] : undefined;
}

function headerOf(initial: InitialContext, name: string): string | undefined {
  if (initial.request) return initial.request.headers.get(name) ?? undefined;
  const value = initial.upgradeRequest?.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function setSessionCookie(initial: InitialContext, secure: boolean, value: string, expires: Date): Promise<void> {
  await initial.request?.cookieStore?.set({
    name: SESSION_COOKIE,
    value,
    expires: expires.getTime(),
    path: '/',
    domain: null,
    httpOnly: true,
    sameSite: 'lax',
    secure,
  });
}

export function createContextFactory(deps: ContextDependencies) {
  return (initial: InitialContext): GraphQLContext => {
    // over WebSocket, connection_init may carry { authorization: "Bearer …" }
    const params = initial.connectionParams ?? {};
    const bearer =
      bearerFrom(headerOf(initial, 'authorization')) ??
      bearerFrom(params['authorization'] ?? params['Authorization']);
    const cookieSession = parseCookie(headerOf(initial, 'cookie') ?? '')[SESSION_COOKIE];
    const bearerKind = bearer ? secretKindOf(bearer) : undefined;

    // A Bearer credential that is not a session token is treated as an API token, which manages
    // only what its scopes allow; the cookie is used only when no Bearer credential was sent.
    const bearerIsApiToken = bearer !== undefined && bearerKind !== 'session';
    const sessionToken = bearerKind === 'session' ? bearer : bearerIsApiToken ? undefined : cookieSession;
    const teamParam = params['team'] ?? params[TEAM_HEADER];
    const teamId = headerOf(initial, TEAM_HEADER)?.trim() || (typeof teamParam === 'string' ? teamParam : undefined);

    const nodeRequest = initial.req ?? initial.upgradeRequest;
    const requestRecord = requestRecordOf(nodeRequest);
    const tokenPresented = (presentation: TokenPresentation) => {
      if (requestRecord) requestRecord.presentedToken = presentation;
    };
    const clientAddress = deps.clientAddressOf({ remoteAddress: nodeRequest?.socket.remoteAddress, forwardedFor: headerOf(initial, 'x-forwarded-for') });

    let session: Promise<SessionWithAccount> | undefined;
    const userAgent = headerOf(initial, 'user-agent');

    const responseHeaders: Record<string, string> = {};
    const viewerSession = (): Promise<SessionWithAccount> => {
      if (bearerIsApiToken) return Promise.reject(new SessionRequiredError());
      session ??= deps.services.accounts.authenticateSession(sessionToken, { clientAddress, userAgent: keptUserAgent(userAgent) });
      return session;
    };
    let principal: Promise<Principal> | undefined;
    const tokenPrincipal = async (): Promise<Principal> => {
      const { token } = await deps.services.apiTokens.authenticate(bearer, clientAddress, keptUserAgent(userAgent) ?? undefined, { onPresented: tokenPresented });
      // a token works in its own team only: naming another is the same refusal as a team one is not in
      if (teamId !== undefined && teamId !== token.accountId) throw new TeamNotFoundError();
      return { kind: 'token', token, account: await deps.services.accounts.accountOfToken(token) };
    };
    const sessionPrincipal = async (): Promise<Principal> => {
      const current = await viewerSession();
      // the membership is read on every request: a removal counts from the next one
      const { team, role } = await deps.services.teams.accessOf(current.account, teamId);
      return { kind: 'session', session: current, account: team, role };
    };
    const sessionAccess = async () => {
      const caller = await context.principal();
      if (caller.kind !== 'session') throw new SessionRequiredError();
      return caller;
    };
    const context: GraphQLContext = {
      services: deps.services,
      openDocumentCounts: (watch) =>
        mergingIterator<DocumentCountChange>(
          (deliver, fail) => {
            const subscription = deps.documentCounts.join(watch, { deliver, fail });
            return () => subscription.leave();
          },
          (change) => change.tokenId,
        ),
      openAuditEvents: (watch) => deps.auditEvents.open(watch),
      openRequestLog: (watch) => deps.requestLog.open(watch),
      bearer,
      sessionToken,
      clientAddress,
      userAgent,
      idempotencyKey: initial.request?.headers.get('idempotency-key') ?? undefined,
      responseHeaders,
      requestRecord,
      tokenPresented,
      setResponseHeader: (name, value) => {
        responseHeaders[name] = value;
      },
      hasSessionCredential: () => sessionToken !== undefined,
      viewerSession,
      principal: () => (principal ??= bearerIsApiToken ? tokenPrincipal() : sessionPrincipal()),
      viewer: () => context.principal().then(({ account }) => account),
      teamAccess: () => sessionAccess().then(({ account, role }) => ({ team: account, role })),
      watchingSession: () =>
        sessionAccess().then(({ account, session }) => ({ team: account, session: { id: session.id, expiresAt: session.expiresAt, userId: session.account.id } })),
      setSessionCookie: (token, expiresAt) => setSessionCookie(initial, deps.secureCookies, token, expiresAt),
      clearSessionCookie: () => setSessionCookie(initial, deps.secureCookies, '', new Date(0)),
    };
    return context;
  };
}
