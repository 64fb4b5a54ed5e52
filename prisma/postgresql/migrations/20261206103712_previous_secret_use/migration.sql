-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "previousSecretLastUsedAddress" TEXT,
ADD COLUMN     "previousSecretLastUsedAt" TIMESTAMP(3),
ADD COLUMN     "previousSecretLastUsedUserAgent" TEXT,
ADD COLUMN     "previousSecretUseCount" INTEGER NOT NULL DEFAULT 0;
