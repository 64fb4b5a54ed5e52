-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN "rateLimitPerMinute" INTEGER;
ALTER TABLE "ApiToken" ADD COLUMN "rateLimitPerSecond" INTEGER;
