// Group commit for documents' counts. While one token's count is being committed, the documents of
// that token that finish rendering queue up, and the next transaction counts them together (up to
// MAX_QUIET_DOCUMENTS): one round trip, one commit and one turn on the account's period row for
// several documents, instead of one each. On PostgreSQL a busy account's documents otherwise take
// that row's lock one commit at a time, and each commit costs the database about as much CPU as
// SQLite spends on the whole document (bench/NOTES.md, workload 13).
//
// Nothing waits for a group to fill: a document arriving while its token has nothing in flight is
// committed at once, alone, so a quiet token and SQLite (whose transactions run synchronously, so
// that nothing can queue behind them) see no batching and no delay.
//
// Exactness is the transaction's, not this queue's: a group is counted all or nothing by the quiet
// statements (CHARGE_PERIOD_QUIETLY, RECORD_DOCUMENT), which take it only while it crosses no
// quota threshold and fits the token's monthly limit, re-checked under the rows' locks like one
// document. A group they refuse is counted again one document at a time, in arrival order, each
// with its own outcome and quota events, exactly as without groups.
import type { RecordDocumentResult, TokenUse } from '../domain/ports.js';
import { bucketOf } from '../domain/metering.js';

/** What counting a group together gave: the counts after its last document, or a refusal of the whole group. */
export type GroupCount = { counted: true; documentCount: number; periodDocumentCount: number } | { counted: false };

export interface DocumentCountBatcherOptions {
  /** Counts one document exactly, with its quota events and its own refusal. */
  countOne: (tokenId: string, use: TokenUse) => Promise<RecordDocumentResult>;
  /** Counts `documents` documents of one token, period and hour together, the last of them `use`; all or nothing. */
  countTogether: (tokenId: string, use: TokenUse, documents: number) => Promise<GroupCount>;
  /** The most documents counted together. */
  maxGroup: number;
}

interface Waiting {
  use: TokenUse;
  resolve: (result: RecordDocumentResult) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  tokenId: string;
  waiting: Waiting[];
}

export class DocumentCountBatcher {
  // one lane per token, hour (and so period and month) and kind of secret: what one RECORD_DOCUMENT
  // and one hourly bucket can count together; a lane exists only while it has work
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly options: DocumentCountBatcherOptions) {}

  count(tokenId: string, use: TokenUse): Promise<RecordDocumentResult> {
    const key = `${tokenId}\u0000${bucketOf(use.at, 'HOUR').getTime()}\u0000${use.previousSecret ? 1 : 0}`;
    return new Promise((resolve, reject) => {
      const lane = this.lanes.get(key);
      if (lane) {
        lane.waiting.push({ use, resolve, reject });
        return;
      }
      const started: Lane = { tokenId, waiting: [{ use, resolve, reject }] };
      this.lanes.set(key, started);
      void this.drain(key, started);
    });
  }

  /** Commits the lane's documents, a group at a time, until none wait. */
  private async drain(key: string, lane: Lane): Promise<void> {
    try {
      while (lane.waiting.length > 0) await this.commit(lane.tokenId, lane.waiting.splice(0, this.options.maxGroup));
    } finally {
      this.lanes.delete(key);
    }
  }

  private async commit(tokenId: string, group: Waiting[]): Promise<void> {
    try {
      if (group.length > 1) {
        const together = await this.options.countTogether(tokenId, group.at(-1)!.use, group.length);
        if (together.counted) {
          // in arrival order: the first of the group has the lowest counts
          const first = group.length - 1;
          group.forEach((waiting, index) =>
            waiting.resolve({
              outcome: 'counted',
              documentCount: together.documentCount - first + index,
              periodDocumentCount: together.periodDocumentCount - first + index,
            }),
          );
          return;
        }
      }
    } catch (error) {
      // the group's transaction failed, or its answer was lost: each document gets the failure, as it would alone
      for (const waiting of group) waiting.reject(error);
      return;
    }
    // alone, or refused together: one at a time, each exactly as without groups
    for (const waiting of group) await this.options.countOne(tokenId, waiting.use).then(waiting.resolve, waiting.reject);
  }
}
