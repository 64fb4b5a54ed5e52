-- AlterTable
ALTER TABLE "Account" ADD COLUMN "twoFactorRequiredAt" DATETIME;
