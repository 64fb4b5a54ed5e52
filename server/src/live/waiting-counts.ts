// Live-count changes waiting to be written, and the one rule for merging them.
//
// Counts wait in two places: in the feed, when events come faster than it can offer them to
// every subscriber (document-count-feed.ts), and at a socket whose client has stopped reading
// (websocket/shared-subscription-delivery.ts). Either way a reader that has fallen behind must neither be
// sent every count it missed nor miss the last one, so once waiting changes merge, a change of a
// token that already has one waiting takes that one's place in line: the reader skips to the
// latest count of each token, never past it and never backwards, and at most one change per
// token waits. Accounts have few tokens (MAX_ACTIVE_TOKENS), so a scan of the line costs less
// than a Map, and nothing is allocated per change.
import type { DocumentCountChange } from './events.js';

export class WaitingCounts {
  /** Oldest first. */
  private readonly changes: DocumentCountChange[] = [];
  /** When each place in line was taken, on the caller's clock; a merged change keeps its place's. */
  private readonly since: number[] = [];

  get length(): number {
    return this.changes.length;
  }

  /** The next change to be written (the oldest), if any. */
  first(): DocumentCountChange | undefined {
    return this.changes[0];
  }

  /** Removes and returns the oldest change. */
  shift(): DocumentCountChange | undefined {
    this.since.shift();
    return this.changes.shift();
  }

  /** How long the oldest change has waited at `now` (0 when none waits). */
  oldestWaitedMs(now: number): number {
    return this.changes.length === 0 ? 0 : now - this.since[0]!;
  }

  /** Lines the change up behind every waiting one: each count will be written. */
  append(change: DocumentCountChange, now: number): void {
    this.changes.push(change);
    this.since.push(now);
  }

  /**
   * Puts the change in the first place, the one being written, when it is a later count of the
   * same token: the readers not yet written to get it instead. Returns whether it did.
   */
  upgradeFirst(change: DocumentCountChange): boolean {
    const first = this.changes[0];
    if (!first || first.tokenId !== change.tokenId || change.documentCount <= first.documentCount) return false;
    this.changes[0] = change;
    return true;
  }

  /**
   * Lines the change up merged: it replaces the waiting change of its token and keeps that one's
   * place, or waits at the back when none of its token waits. A count not above the waiting one
   * (events that committed out of order) is dropped, since counts only grow. The first
   * `inFlight` changes are already being written and are left alone.
   */
  merge(change: DocumentCountChange, now: number, inFlight = 0): void {
    for (let index = inFlight; index < this.changes.length; index++) {
      const waiting = this.changes[index]!;
      if (waiting.tokenId !== change.tokenId) continue;
      if (change.documentCount > waiting.documentCount) this.changes[index] = change;
      return;
    }
    this.append(change, now);
  }
}
