// Work done in groups per key, while the key is busy: an item that arrives while its key's work is
// running waits, and the next run takes every item that waited (up to a maximum). Nothing waits for
// a group to fill: an item that finds its key idle runs at once, alone. So a quiet key costs what
// it did, and a busy one pays one run for many items. Used where one round trip can do the work of
// several (persistence/document-count-batcher.ts, rate-limiting/rate-limiters.ts).

/** An item of a group, with how to settle its own promise. */
export interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export class GroupWhileBusy<Item, Result> {
  // a key is here only while it has work running or waiting
  private readonly waiting = new Map<string, Waiting<Item, Result>[]>();

  /**
   * `run` settles each item of the group it is given, in the group's (arrival) order; one that it
   * leaves unsettled when it rejects gets its error.
   */
  constructor(
    private readonly run: (group: readonly Waiting<Item, Result>[]) => Promise<void>,
    private readonly maxGroup: number,
  ) {
    if (!(maxGroup >= 1)) throw new RangeError('a group holds at least one item');
  }

  submit(key: string, item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push({ item, resolve, reject });
        return;
      }
      const started = [{ item, resolve, reject }];
      this.waiting.set(key, started);
      void this.drain(key, started);
    });
  }

  private async drain(key: string, queue: Waiting<Item, Result>[]): Promise<void> {
    try {
      while (queue.length > 0) {
        const group = queue.splice(0, this.maxGroup);
        // a settled promise ignores a second settlement, so this rejects only the unsettled
        await Promise.resolve()
          .then(() => this.run(group))
          .catch((error: unknown) => group.forEach((waiting) => waiting.reject(error)));
      }
    } finally {
      this.waiting.delete(key);
    }
  }
}
