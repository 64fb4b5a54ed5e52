-- CreateTable
CREATE TABLE "RequestLogEntry" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "tokenId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "operation" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "httpStatus" INTEGER NOT NULL,
    "clientAddress" TEXT NOT NULL,
    "userAgent" TEXT,
    "durationMs" REAL NOT NULL,
    "requestId" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "RequestOutcomeHour" (
    "tokenId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "hour" DATETIME NOT NULL,
    "outcome" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "expiresAt" DATETIME NOT NULL,

    PRIMARY KEY ("tokenId", "hour", "outcome")
);

-- CreateIndex
CREATE INDEX "RequestLogEntry_accountId_at_id_idx" ON "RequestLogEntry"("accountId", "at", "id");

-- CreateIndex
CREATE INDEX "RequestLogEntry_tokenId_at_id_idx" ON "RequestLogEntry"("tokenId", "at", "id");

-- CreateIndex
CREATE INDEX "RequestLogEntry_expiresAt_idx" ON "RequestLogEntry"("expiresAt");

-- CreateIndex
CREATE INDEX "RequestOutcomeHour_accountId_hour_idx" ON "RequestOutcomeHour"("accountId", "hour");

-- CreateIndex
CREATE INDEX "RequestOutcomeHour_expiresAt_idx" ON "RequestOutcomeHour"("expiresAt");
