/** A row of a batched statement: what it found for the item at 1-based position `n` (`WITH ORDINALITY`). */
export type NumberedRow<R> = R & { n: string | number };

/**
 * Gathers the lookups asked for in one turn of the event loop and runs them as one statement.
 * Under load a public route is asked the same indexed lookup hundreds of times a second; sent one
 * by one, each costs PostgreSQL a parse, a plan and a round trip, and the two cores this runs on
 * spend their time on that. Sent as one `unnest($1::…[]) WITH ORDINALITY` statement per turn, each
 * caller still gets its own row (or undefined when the statement found none for it), and a
 * failure reaches every caller of the batch. Latency: one setImmediate, a fraction of a
 * millisecond when idle.
 */
export class StatementBatcher<I, R> {
  private waiting: { item: I; resolve: (row: R | undefined) => void; reject: (err: unknown) => void }[] = [];

  /** `run` gets the batch's items in order and returns the rows it found, each numbered by its item's position from 1. */
  constructor(private readonly run: (items: I[]) => Promise<NumberedRow<R>[]>) {}

  ask(item: I): Promise<R | undefined> {
    return new Promise((resolve, reject) => {
      if (!this.waiting.length) setImmediate(() => void this.flush());
      this.waiting.push({ item, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    try {
      const rows = await this.run(batch.map((w) => w.item));
      const byPosition = new Map(rows.map(({ n, ...row }) => [Number(n), row as unknown as R]));
      batch.forEach((w, i) => w.resolve(byPosition.get(i + 1)));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
