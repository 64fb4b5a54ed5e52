// The composition root: domain services wired to their stores. Nothing else constructs them.
import { AccountService } from './domain/accounts.js';
import { ApiTokenService } from './domain/api-tokens.js';
import { DocumentService } from './domain/documents.js';
import type { RateLimiters } from './domain/rate-limits.js';
import { PrismaAccountStore, PrismaSessionStore } from './persistence/account-store.js';
import type { Database } from './persistence/database.js';
import { PrismaTokenStore } from './persistence/token-store.js';
import { LiquidTemplateRenderer } from './rendering/liquid-template-renderer.js';

export interface Services {
  accounts: AccountService;
  apiTokens: ApiTokenService;
  documents: DocumentService;
}

export function createServices(database: Database, limits: RateLimiters): Services {
  const tokenStore = new PrismaTokenStore(database.prisma, database.sql);
  const apiTokens = new ApiTokenService(tokenStore, limits);
  return {
    accounts: new AccountService(new PrismaAccountStore(database.prisma), new PrismaSessionStore(database.prisma, database.sql), limits),
    apiTokens,
    documents: new DocumentService(apiTokens, tokenStore, new LiquidTemplateRenderer(), limits),
  };
}
