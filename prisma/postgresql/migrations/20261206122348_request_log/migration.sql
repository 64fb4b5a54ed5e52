-- CreateTable
CREATE TABLE "RequestLogEntry" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "tokenId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "operation" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "httpStatus" INTEGER NOT NULL,
    "clientAddress" TEXT NOT NULL,
    "userAgent" TEXT,
    "durationMs" DOUBLE PRECISION NOT NULL,
    "requestId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RequestLogEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RequestOutcomeHour" (
    "tokenId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "outcome" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RequestOutcomeHour_pkey" PRIMARY KEY ("tokenId","hour","outcome")
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
