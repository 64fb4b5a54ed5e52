-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "twoFactorRequiredAt" TIMESTAMP(3);
