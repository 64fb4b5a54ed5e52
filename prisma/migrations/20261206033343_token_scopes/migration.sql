-- AlterTable
-- A column with a constant default: SQLite adds it in place, without copying the table.
ALTER TABLE "ApiToken" ADD COLUMN "scopes" TEXT NOT NULL DEFAULT 'DOCUMENTS_RENDER';
