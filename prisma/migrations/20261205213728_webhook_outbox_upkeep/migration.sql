-- DropIndex
DROP INDEX "WebhookMessage_nextAttemptAt_idx";

-- AlterTable
ALTER TABLE "WebhookMessage" ADD COLUMN "failureReason" TEXT;

-- CreateIndex
CREATE INDEX "WebhookMessage_waiting_nextAttemptAt_idx" ON "WebhookMessage"("nextAttemptAt") WHERE "deliveredAt" IS NULL AND "failedAt" IS NULL;

-- CreateIndex
CREATE INDEX "WebhookMessage_waiting_accountId_createdAt_idx" ON "WebhookMessage"("accountId", "createdAt") WHERE "deliveredAt" IS NULL AND "failedAt" IS NULL;

-- CreateIndex
CREATE INDEX "WebhookMessage_delivered_deliveredAt_idx" ON "WebhookMessage"("deliveredAt") WHERE "deliveredAt" IS NOT NULL;

-- CreateIndex
CREATE INDEX "WebhookMessage_failed_failedAt_idx" ON "WebhookMessage"("failedAt") WHERE "failedAt" IS NOT NULL;
