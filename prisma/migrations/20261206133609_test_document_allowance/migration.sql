-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_AccountPeriodUsage" (
    "accountId" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "documentCount" INTEGER NOT NULL,
    "testDocumentCount" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("accountId", "period"),
    CONSTRAINT "AccountPeriodUsage_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_AccountPeriodUsage" ("accountId", "documentCount", "period") SELECT "accountId", "documentCount", "period" FROM "AccountPeriodUsage";
DROP TABLE "AccountPeriodUsage";
ALTER TABLE "new_AccountPeriodUsage" RENAME TO "AccountPeriodUsage";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
