-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "disabledAt" TIMESTAMP(3);
