-- AlterTable
ALTER TABLE "WebhookEndpoint" ADD COLUMN "disabledAt" DATETIME;
