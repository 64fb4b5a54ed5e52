-- CreateTable
CREATE TABLE "AccountPeriodUsage" (
    "accountId" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "documentCount" INTEGER NOT NULL,

    CONSTRAINT "AccountPeriodUsage_pkey" PRIMARY KEY ("accountId","period")
);

-- CreateTable
CREATE TABLE "TokenUsageHour" (
    "tokenId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "documentCount" INTEGER NOT NULL,

    CONSTRAINT "TokenUsageHour_pkey" PRIMARY KEY ("tokenId","hour")
);

-- CreateTable
CREATE TABLE "TokenUsageDay" (
    "tokenId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "day" TIMESTAMP(3) NOT NULL,
    "documentCount" INTEGER NOT NULL,

    CONSTRAINT "TokenUsageDay_pkey" PRIMARY KEY ("tokenId","day")
);

-- CreateIndex
CREATE INDEX "TokenUsageHour_accountId_hour_idx" ON "TokenUsageHour"("accountId", "hour");

-- CreateIndex
CREATE INDEX "TokenUsageHour_hour_idx" ON "TokenUsageHour"("hour");

-- CreateIndex
CREATE INDEX "TokenUsageDay_accountId_day_idx" ON "TokenUsageDay"("accountId", "day");

-- AddForeignKey
ALTER TABLE "AccountPeriodUsage" ADD CONSTRAINT "AccountPeriodUsage_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TokenUsageHour" ADD CONSTRAINT "TokenUsageHour_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ApiToken"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TokenUsageDay" ADD CONSTRAINT "TokenUsageDay_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ApiToken"("id") ON DELETE CASCADE ON UPDATE CASCADE;
