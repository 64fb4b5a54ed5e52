-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "expiryVersion" INTEGER NOT NULL DEFAULT 0;
