// The composition root: domain services wired to their stores. Nothing else constructs them.
import { AccountService } from './domain/accounts.js';
import { ApiTokenService } from './domain/api-tokens.js';
import { AuditLog } from './domain/audit.js';
import { LeakResponseService } from './domain/leak-response.js';
import { DatabaseAuditStore } from './persistence/audit-store.js';
import { DatabaseWebhookStore } from './persistence/webhook-store.js';
import { WebhookDelivery } from './webhooks/delivery.js';
import { WebhookService } from './webhooks/webhook-service.js';
import { DocumentService, type TemplateRenderer } from './domain/documents.js';
import type { LiveAnnouncements } from './domain/ports.js';
import type { RateLimiters } from './domain/rate-limits.js';
import { DatabaseAccountStore } from './persistence/account-store.js';
import { DatabaseTwoFactorStore } from './persistence/two-factor-store.js';
import { TwoFactorService } from './domain/two-factor.js';
import { TeamService } from './domain/teams.js';
import { DatabaseTeamStore } from './persistence/team-store.js';
import { DatabaseSessionStore } from './persistence/session-store.js';
import type { Database } from './persistence/database.js';
import { DatabaseIdempotencyStore } from './persistence/idempotency-store.js';
import { DatabaseTokenStore } from './persistence/token-store.js';
import { DatabaseUsageStore } from './persistence/usage-store.js';
import { UsageService } from './domain/usage.js';
import { TokenPagesService } from './domain/token-pages.js';
import { DatabaseTokenPages } from './persistence/token-pages.js';
import { LiquidTemplateRenderer, type RenderLimits } from './rendering/liquid-template-renderer.js';
import type { Services } from './graphql/context.js';

export type { Services };
import type { RendererEndedListener } from './rendering/renderer-pool.js';
import { EmailAddressService } from './domain/email-addresses.js';
import { NotificationPreferencesService } from './domain/notification-preferences.js';
import { DatabaseEmailLinkStore } from './persistence/email-link-store.js';
import { DatabaseMailStore } from './persistence/mail-store.js';
import { MailDelivery, type MailDeliveryOptions } from './mail/mail-delivery.js';
import { MailTemplates } from './mail/mail-templates.js';
import type { MailTransport } from './mail/mail-transport.js';
import { RequestLogService, type RequestLogSink } from './domain/request-log.js';
import type { TokenRatePolicy } from './domain/token-rate-limits.js';
import { DatabaseRequestLogStore } from './persistence/request-log-store.js';
import { RequestLogWriter, type RequestLogWriterOptions } from './persistence/request-log-writer.js';


/** The clock of the token rules (expiry, grace periods, last use) and of the billing period; tests inject their own. */
export type Clock = () => Date;

export interface ServiceOptions {
  /** Wraps the renderer the documents service calls (the metrics time it; server/src/observability/). */
  wrapRenderer?: (renderer: TemplateRenderer) => TemplateRenderer;
  now?: Clock;
  /** Webhook URLs may reach loopback and private addresses (development and tests). */
  webhookAllowPrivateUrls?: boolean;
  /** Hears of each renderer process that ended during a render (its replacement is already starting). */
  onRendererEnded?: RendererEndedListener;
  /** Asked as renders are about to start: an error refuses them (answers nobody reads, http/unsent-answers.ts). */
  refuseToRender?: () => Error | undefined;
  /** Where mail goes, its From, and where its links point. */
  mail: { transport: MailTransport; from: string; publicUrl: string; onAttempt?: MailDeliveryOptions['onAttempt'] };
  /** Hears of failures in work done after an answer (a password reset request's lookup and mail). */
  onBackgroundError?: (error: unknown) => void;
  /** The request log's writer (persistence/request-log-writer.ts); off: nothing is recorded, nothing buffered. */
  requestLog: { enabled: false } | ({ enabled: true } & Pick<RequestLogWriterOptions, 'flushIntervalMs' | 'onDropped' | 'onError'>);
  /** The most document requests any token may make (DOCUMENTS_PER_TOKEN_PER_SECOND and _PER_MINUTE); plans allow a share. */
  tokenRateLimit: TokenRatePolicy;
}

/** Unwritten request log entries an instance holds, for all accounts and for one (request-log-writer.ts). */
export const REQUEST_LOG_BUFFER = { maxBuffered: 20_000, maxPerAccount: 2_000, batchSize: 500 } as const;

const REQUEST_LOG_OFF: RequestLogSink = { append: () => {}, flush: () => Promise.resolve(), close: () => Promise.resolve() };

export function createServices(
  database: Database,
  rateLimiters: RateLimiters,
  limits: RenderLimits,
  announce: LiveAnnouncements,
  { wrapRenderer = (unwrapped) => unwrapped, now = () => new Date(), webhookAllowPrivateUrls = false, onRendererEnded, refuseToRender, mail, onBackgroundError, requestLog, tokenRateLimit }: ServiceOptions,
): Services {
  const tokenStore = new DatabaseTokenStore(database.prisma, database.sql, now);
  const auditStore = new DatabaseAuditStore(database.prisma, database.sql, database.provider);
  const apiTokens = new ApiTokenService(tokenStore, rateLimiters, auditStore, { now, serviceRateLimit: tokenRateLimit });
  const requestLogStore = new DatabaseRequestLogStore(database.prisma, database.sql);
  const requestLogSink = requestLog.enabled ? new RequestLogWriter(requestLogStore, { ...REQUEST_LOG_BUFFER, ...requestLog, onWritten: (entries) => announce.requestsLogged(entries) }) : REQUEST_LOG_OFF;
  const renderer = new LiquidTemplateRenderer(limits, { onRendererEnded, refuseToStart: refuseToRender });
  const webhookStore = new DatabaseWebhookStore(database.prisma, database.sql, database.provider);
  const usageStore = new DatabaseUsageStore(database.sql);
  // every audit row is inserted by a driver step, whichever store runs it: the driver reports the
  // committed ones, and the live Activity view hears of each after its transaction, never before
  database.sql.onAuditCommitted((events) => announce.auditEventsRecorded(events));
  // the real clock, as the sessions': authenticator apps make their codes from it
  const twoFactor = new TwoFactorService(new DatabaseTwoFactorStore(database.sql), auditStore, rateLimiters);
  const accountStore = new DatabaseAccountStore(database.prisma, database.sql);
  const accounts = new AccountService(accountStore, new DatabaseSessionStore(database.sql), rateLimiters, announce, auditStore, twoFactor, now);
  const mailStore = new DatabaseMailStore(database.sql, database.provider);
  return {
    accounts,
    emailAddresses: new EmailAddressService(
      new DatabaseEmailLinkStore(database.sql),
      accountStore,
      rateLimiters,
      announce,
      (person, password) => accounts.confirmPassword(person, password),
      now,
      onBackgroundError,
    ),
    notifications: new NotificationPreferencesService(mailStore, now),
    mailDelivery: new MailDelivery(mailStore, mail.transport, new MailTemplates(), { now, from: mail.from, publicUrl: mail.publicUrl, onAttempt: mail.onAttempt }),
    twoFactor,
    teams: new TeamService(new DatabaseTeamStore(database.sql), announce, now),
    apiTokens,
    audit: new AuditLog(auditStore, now),
    leaks: new LeakResponseService(auditStore, now),
    webhooks: new WebhookService(webhookStore, { now, allowPrivateUrls: webhookAllowPrivateUrls }, rateLimiters),
    webhookDelivery: new WebhookDelivery(webhookStore, { now, allowPrivateUrls: webhookAllowPrivateUrls }),
    documents: new DocumentService(apiTokens, tokenStore, wrapRenderer(renderer), rateLimiters, tokenRateLimit, announce, new DatabaseIdempotencyStore(database.sql, now), usageStore, now),
    usage: new UsageService(usageStore, tokenStore, now),
    tokenPages: new TokenPagesService(new DatabaseTokenPages(database.sql), now),
    requestLog: new RequestLogService(requestLogStore, requestLogSink, tokenStore, now),
    // renders first: requests still ending write their entries, then the last batch
    close: async () => {
      await renderer.close();
      await requestLogSink.close();
    },
  };
}
