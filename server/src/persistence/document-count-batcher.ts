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
import { GroupWhileBusy, type Waiting } from '../domain/group-while-busy.js';
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

type Document = { tokenId: string; use: TokenUse };

export class DocumentCountBatcher {
  private readonly groups: GroupWhileBusy<Document, RecordDocumentResult>;

  constructor(private readonly options: DocumentCountBatcherOptions) {
    this.groups = new GroupWhileBusy((group) => this.commit(group), options.maxGroup);
  }

  count(tokenId: string, use: TokenUse): Promise<RecordDocumentResult> {
    // one group per token, hour (and so period and month) and kind of secret: what one
    // RECORD_DOCUMENT and one hourly bucket can count together
    return this.groups.submit(`${tokenId}\u0000${bucketOf(use.at, 'HOUR').getTime()}\u0000${use.previousSecret ? 1 : 0}`, { tokenId, use });
  }

  /**
   * Counts the group together; alone, or refused together, one at a time, each with its own
   * outcome and failure, as without groups. A group whose transaction failed fails every document
   * of it (GroupWhileBusy), and is not counted again one by one: the failure may have come after
   * the COMMIT (a connection lost with the answer), and a second count would count them twice.
   */
  private async commit(group: readonly Waiting<Document, RecordDocumentResult>[]): Promise<void> {
    const { tokenId } = group[0]!.item;
    if (group.length > 1) {
      const together = await this.options.countTogether(tokenId, group.at(-1)!.item.use, group.length);
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
    for (const waiting of group) await this.options.countOne(tokenId, waiting.item.use).then(waiting.resolve, waiting.reject);
  }
}
