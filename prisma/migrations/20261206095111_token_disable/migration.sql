-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN "disabledAt" DATETIME;
