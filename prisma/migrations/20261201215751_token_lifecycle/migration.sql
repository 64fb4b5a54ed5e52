-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN "expiresAt" DATETIME;
ALTER TABLE "ApiToken" ADD COLUMN "lastUsedAddress" TEXT;
ALTER TABLE "ApiToken" ADD COLUMN "lastUsedUserAgent" TEXT;
ALTER TABLE "ApiToken" ADD COLUMN "previousSecretHash" TEXT;
ALTER TABLE "ApiToken" ADD COLUMN "previousSecretValidUntil" DATETIME;

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_previousSecretHash_key" ON "ApiToken"("previousSecretHash");
