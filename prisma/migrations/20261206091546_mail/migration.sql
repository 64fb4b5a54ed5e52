-- AlterTable
ALTER TABLE "Account" ADD COLUMN "emailVerifiedAt" DATETIME;
ALTER TABLE "Account" ADD COLUMN "mailKey" TEXT;

-- CreateTable
CREATE TABLE "EmailLink" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME
);

-- CreateTable
CREATE TABLE "MailOptOut" (
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,

    PRIMARY KEY ("userId", "kind")
);

-- CreateTable
CREATE TABLE "MailMessage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "recipientId" TEXT,
    "toAddress" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "nextAttemptAt" DATETIME NOT NULL,
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "sentAt" DATETIME,
    "failedAt" DATETIME,
    "failureReason" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "EmailLink_secretHash_key" ON "EmailLink"("secretHash");

-- CreateIndex
CREATE INDEX "EmailLink_userId_purpose_idx" ON "EmailLink"("userId", "purpose");

-- CreateIndex
CREATE INDEX "MailMessage_waiting_nextAttemptAt_idx" ON "MailMessage"("nextAttemptAt") WHERE "sentAt" IS NULL AND "failedAt" IS NULL;

-- CreateIndex
CREATE INDEX "MailMessage_waiting_accountId_createdAt_idx" ON "MailMessage"("accountId", "createdAt") WHERE "sentAt" IS NULL AND "failedAt" IS NULL;

-- CreateIndex
CREATE INDEX "MailMessage_createdAt_idx" ON "MailMessage"("createdAt");
