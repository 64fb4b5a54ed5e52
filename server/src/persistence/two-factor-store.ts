// The second factor's store: the TOTP secret (pending during enrolment), the time step of the last
// code accepted, and the recovery codes' hashes. Every write is driver steps with the events it
// records (sql-driver.ts); the replay checks are conditional UPDATEs, so that of two concurrent
// sign-ins with one code exactly one is accepted.
import { newId } from '../domain/ids.js';
import type { ChangeRecords, TwoFactorRecord, TwoFactorStore } from '../domain/ports.js';
import { recordedSteps } from './audit-event-steps.js';
import type { SqlDriver, SqlStatement, SqlStep } from './sql-driver.js';

const FIND: SqlStatement = {
  name: 'two_factor_find',
  text: `SELECT "secret", "pendingSecret", "enabledAt", "lastTimeStep" FROM "TwoFactor" WHERE "accountId" = $1`,
  dateColumns: ['enabledAt'],
};
const SET_PENDING: SqlStatement = {
  name: 'two_factor_set_pending',
  // an enabled factor is never replaced by an enrolment: it must be turned off first
  text: `INSERT INTO "TwoFactor" ("accountId", "pendingSecret") VALUES ($1, $2)
    ON CONFLICT ("accountId") DO UPDATE SET "pendingSecret" = $2 WHERE "TwoFactor"."secret" IS NULL`,
};
const ENABLE: SqlStatement = {
  name: 'two_factor_enable',
  text: `UPDATE "TwoFactor" SET "secret" = "pendingSecret", "pendingSecret" = NULL, "enabledAt" = $3, "lastTimeStep" = $4
    WHERE "accountId" = $1 AND "pendingSecret" = $2 AND "secret" IS NULL RETURNING "accountId"`,
};
const DELETE_RECOVERY_CODES: SqlStatement = { name: 'recovery_codes_delete', text: `DELETE FROM "RecoveryCode" WHERE "accountId" = $1` };
const INSERT_RECOVERY_CODE: SqlStatement = {
  name: 'recovery_code_insert',
  text: `INSERT INTO "RecoveryCode" ("id", "accountId", "codeHash", "createdAt") VALUES ($1, $2, $3, $4)`,
};
const ACCEPT_TIME_STEP: SqlStatement = {
  name: 'two_factor_accept_time_step',
  text: `UPDATE "TwoFactor" SET "lastTimeStep" = $2
    WHERE "accountId" = $1 AND "secret" IS NOT NULL AND ("lastTimeStep" IS NULL OR "lastTimeStep" < $2) RETURNING "accountId"`,
};
const USE_RECOVERY_CODE: SqlStatement = {
  name: 'recovery_code_use',
  text: `UPDATE "RecoveryCode" SET "usedAt" = $3 WHERE "accountId" = $1 AND "codeHash" = $2 AND "usedAt" IS NULL RETURNING "id"`,
};
const RECOVERY_CODES_LEFT: SqlStatement = {
  name: 'recovery_codes_left',
  text: `SELECT COUNT(*) AS "left" FROM "RecoveryCode" WHERE "accountId" = $1 AND "usedAt" IS NULL`,
};
const DELETE_TWO_FACTOR: SqlStatement = { name: 'two_factor_delete', text: `DELETE FROM "TwoFactor" WHERE "accountId" = $1` };

export class DatabaseTwoFactorStore implements TwoFactorStore {
  constructor(private readonly sql: SqlDriver) {}

  async find(accountId: string): Promise<TwoFactorRecord | null> {
    const [row] = await this.sql.rows<TwoFactorRecord>(FIND, [accountId]);
    return row ? { ...row, lastTimeStep: row.lastTimeStep === null ? null : Number(row.lastTimeStep) } : null;
  }

  async setPending(accountId: string, secret: string): Promise<void> {
    await this.sql.rows(SET_PENDING, [accountId, secret]);
  }

  async enable(accountId: string, secret: string, at: Date, timeStep: number, recoveryCodeHashes: readonly string[], records: ChangeRecords<unknown>): Promise<boolean> {
    const codes: SqlStep[] = recoveryCodeHashes.map((hash) => ({ statement: INSERT_RECOVERY_CODE, params: [newId(at), accountId, hash, at] }));
    const result = await this.sql.transaction([
      { statement: ENABLE, params: [accountId, secret, at, timeStep], requireRow: true },
      { statement: DELETE_RECOVERY_CODES, params: [accountId] },
      ...codes,
      recordedSteps(() => records(undefined)),
    ]);
    return result.committed;
  }

  async acceptTimeStep(accountId: string, timeStep: number): Promise<boolean> {
    return (await this.sql.rows(ACCEPT_TIME_STEP, [accountId, timeStep])).length > 0;
  }

  async useRecoveryCode(accountId: string, codeHash: string, at: Date, records: ChangeRecords<unknown>): Promise<boolean> {
    const result = await this.sql.transaction([
      { statement: USE_RECOVERY_CODE, params: [accountId, codeHash, at], requireRow: true },
      recordedSteps(() => records(undefined)),
    ]);
    return result.committed;
  }

  async recoveryCodesLeft(accountId: string): Promise<number> {
    const [row] = await this.sql.rows<{ left: number | string | bigint }>(RECOVERY_CODES_LEFT, [accountId]);
    return Number(row?.left ?? 0);
  }

  async disable(accountId: string, records: ChangeRecords<unknown>): Promise<void> {
    await this.sql.transaction([
      { statement: DELETE_TWO_FACTOR, params: [accountId] },
      { statement: DELETE_RECOVERY_CODES, params: [accountId] },
      recordedSteps(() => records(undefined)),
    ]);
  }
}
