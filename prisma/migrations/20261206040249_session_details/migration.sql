-- AlterTable
ALTER TABLE "Session" ADD COLUMN "clientAddress" TEXT;
ALTER TABLE "Session" ADD COLUMN "lastSeenAt" DATETIME;
ALTER TABLE "Session" ADD COLUMN "userAgent" TEXT;
