-- AlterTable
ALTER TABLE "AccountPeriodUsage" ADD COLUMN     "testDocumentCount" INTEGER NOT NULL DEFAULT 0;
