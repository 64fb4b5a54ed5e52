// The composition root: domain services wired to their stores. Nothing else constructs them.
import { AccountService } from './domain/accounts.js';
import { ApiTokenService } from './domain/api-tokens.js';
import { DocumentService, type TemplateRenderer } from './domain/documents.js';
import type { LiveAnnouncements } from './domain/ports.js';
import type { RateLimiters } from './domain/rate-limits.js';
import { PrismaAccountStore, PrismaSessionStore } from './persistence/account-store.js';
import type { Database } from './persistence/database.js';
import { SqlIdempotencyStore } from './persistence/idempotency-store.js';
import { PrismaTokenStore } from './persistence/token-store.js';
import { SqlUsageStore } from './persistence/usage-store.js';
import { UsageService } from './domain/usage.js';
import { TokenPagesService } from './domain/token-pages.js';
import { SqlTokenPages } from './persistence/token-pages.js';
import { LiquidTemplateRenderer, type RenderLimits } from './rendering/liquid-template-renderer.js';

export interface Services {
  accounts: AccountService;
  apiTokens: ApiTokenService;
  documents: DocumentService;
  usage: UsageService;
  tokenPages: TokenPagesService;
  /** Ends the render threads. Call it once no request is in flight any more (shutdown). */
  close(): Promise<void>;
}

/** The clock of the token rules (expiry, grace periods, last use) and of the billing period; tests inject their own. */
export type Clock = () => Date;

export interface ServiceOptions {
  /** Wraps the renderer the documents service calls (the metrics time it; server/src/observability/). */
  wrapRenderer?: (renderer: TemplateRenderer) => TemplateRenderer;
  now?: Clock;
}

export function createServices(
  database: Database,
  rateLimiters: RateLimiters,
  limits: RenderLimits,
  announce: LiveAnnouncements,
  { wrapRenderer = (unwrapped) => unwrapped, now = () => new Date() }: ServiceOptions = {},
): Services {
  const tokenStore = new PrismaTokenStore(database.prisma, database.sql);
  const apiTokens = new ApiTokenService(tokenStore, rateLimiters, now);
  const renderer = new LiquidTemplateRenderer(limits);
  const usageStore = new SqlUsageStore(database.sql);
  return {
    accounts: new AccountService(new PrismaAccountStore(database.prisma), new PrismaSessionStore(database.prisma, database.sql), rateLimiters, announce),
    apiTokens,
    documents: new DocumentService(apiTokens, tokenStore, wrapRenderer(renderer), rateLimiters, announce, new SqlIdempotencyStore(database.sql), usageStore, now),
    usage: new UsageService(usageStore, tokenStore, now),
    tokenPages: new TokenPagesService(new SqlTokenPages(database.sql), now),
    close: () => renderer.close(),
  };
}
