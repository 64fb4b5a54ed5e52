-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "allowedIps" TEXT,
ADD COLUMN     "monthlyCountMonth" TEXT,
ADD COLUMN     "monthlyDocumentCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "monthlyDocumentLimit" INTEGER;
