-- CreateTable
CREATE TABLE "AccountPeriodUsage" (
    "accountId" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "documentCount" INTEGER NOT NULL,

    PRIMARY KEY ("accountId", "period"),
    CONSTRAINT "AccountPeriodUsage_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TokenUsageHour" (
    "tokenId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "hour" DATETIME NOT NULL,
    "documentCount" INTEGER NOT NULL,

    PRIMARY KEY ("tokenId", "hour"),
    CONSTRAINT "TokenUsageHour_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ApiToken" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TokenUsageDay" (
    "tokenId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "day" DATETIME NOT NULL,
    "documentCount" INTEGER NOT NULL,

    PRIMARY KEY ("tokenId", "day"),
    CONSTRAINT "TokenUsageDay_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ApiToken" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "TokenUsageHour_accountId_hour_idx" ON "TokenUsageHour"("accountId", "hour");

-- CreateIndex
CREATE INDEX "TokenUsageHour_hour_idx" ON "TokenUsageHour"("hour");

-- CreateIndex
CREATE INDEX "TokenUsageDay_accountId_day_idx" ON "TokenUsageDay"("accountId", "day");
