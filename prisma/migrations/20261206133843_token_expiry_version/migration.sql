-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "previousSecretHash" TEXT,
    "previousSecretValidUntil" DATETIME,
    "previousSecretUseCount" INTEGER NOT NULL DEFAULT 0,
    "previousSecretLastUsedAt" DATETIME,
    "previousSecretLastUsedAddress" TEXT,
    "previousSecretLastUsedUserAgent" TEXT,
    "preview" TEXT NOT NULL,
    "documentCount" INTEGER NOT NULL DEFAULT 0,
    "lastUsedAt" DATETIME,
    "lastUsedAddress" TEXT,
    "lastUsedUserAgent" TEXT,
    "expiresAt" DATETIME,
    "allowedIps" TEXT,
    "monthlyDocumentLimit" INTEGER,
    "rateLimitPerSecond" INTEGER,
    "rateLimitPerMinute" INTEGER,
    "monthlyDocumentCount" INTEGER NOT NULL DEFAULT 0,
    "monthlyCountMonth" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" DATETIME,
    "disabledAt" DATETIME,
    "activeSlot" INTEGER,
    "scopes" TEXT NOT NULL DEFAULT 'DOCUMENTS_RENDER',
    "mode" TEXT NOT NULL DEFAULT 'LIVE',
    "expiryVersion" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "ApiToken_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ApiToken" ("accountId", "activeSlot", "allowedIps", "createdAt", "deletedAt", "disabledAt", "documentCount", "expiresAt", "id", "lastUsedAddress", "lastUsedAt", "lastUsedUserAgent", "mode", "monthlyCountMonth", "monthlyDocumentCount", "monthlyDocumentLimit", "name", "preview", "previousSecretHash", "previousSecretLastUsedAddress", "previousSecretLastUsedAt", "previousSecretLastUsedUserAgent", "previousSecretUseCount", "previousSecretValidUntil", "rateLimitPerMinute", "rateLimitPerSecond", "scopes", "secretHash") SELECT "accountId", "activeSlot", "allowedIps", "createdAt", "deletedAt", "disabledAt", "documentCount", "expiresAt", "id", "lastUsedAddress", "lastUsedAt", "lastUsedUserAgent", "mode", "monthlyCountMonth", "monthlyDocumentCount", "monthlyDocumentLimit", "name", "preview", "previousSecretHash", "previousSecretLastUsedAddress", "previousSecretLastUsedAt", "previousSecretLastUsedUserAgent", "previousSecretUseCount", "previousSecretValidUntil", "rateLimitPerMinute", "rateLimitPerSecond", "scopes", "secretHash" FROM "ApiToken";
DROP TABLE "ApiToken";
ALTER TABLE "new_ApiToken" RENAME TO "ApiToken";
CREATE UNIQUE INDEX "ApiToken_secretHash_key" ON "ApiToken"("secretHash");
CREATE UNIQUE INDEX "ApiToken_previousSecretHash_key" ON "ApiToken"("previousSecretHash");
CREATE INDEX "ApiToken_accountId_deletedAt_createdAt_idx" ON "ApiToken"("accountId", "deletedAt", "createdAt");
CREATE INDEX "ApiToken_expiresAt_idx" ON "ApiToken"("expiresAt");
CREATE UNIQUE INDEX "ApiToken_accountId_activeSlot_key" ON "ApiToken"("accountId", "activeSlot");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
