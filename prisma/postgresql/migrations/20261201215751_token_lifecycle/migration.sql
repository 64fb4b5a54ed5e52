-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "expiresAt" TIMESTAMP(3),
ADD COLUMN     "lastUsedAddress" TEXT,
ADD COLUMN     "lastUsedUserAgent" TEXT,
ADD COLUMN     "previousSecretHash" TEXT,
ADD COLUMN     "previousSecretValidUntil" TIMESTAMP(3);

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_previousSecretHash_key" ON "ApiToken"("previousSecretHash");
