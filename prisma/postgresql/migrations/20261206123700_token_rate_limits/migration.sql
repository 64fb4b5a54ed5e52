-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "rateLimitPerMinute" INTEGER,
ADD COLUMN     "rateLimitPerSecond" INTEGER;
