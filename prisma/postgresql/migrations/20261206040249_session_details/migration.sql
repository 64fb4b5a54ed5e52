-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "clientAddress" TEXT,
ADD COLUMN     "lastSeenAt" TIMESTAMP(3),
ADD COLUMN     "userAgent" TEXT;
