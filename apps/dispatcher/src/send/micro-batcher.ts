interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Gathers single requests into batches for one set-based statement, the way PostgreSQL's group
 * commit gathers commits: the first request goes at once (on the next turn of the event loop, so
 * the requests made in the same turn join it); while `maxRunning` batches are running, the
 * requests that arrive wait and go together in the next one. Under load, batches grow by
 * themselves; alone, a request waits for nothing but its own statement. No timer to tune.
 *
 * `run` gets the items of a batch and returns one result per item, in the same order. If it
 * throws, every request of that batch is rejected with the error; the next batch still runs.
 */
export class MicroBatcher<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly options: {
      /** Most items in one batch (bounds a statement's parameters and the rows it locks). */
      maxSize: number;
      /** Batches running at once. */
      maxRunning: number;
    },
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.startBatches();
      });
    });
  }

  private startBatches(): void {
    while (this.waiting.length && this.running < this.options.maxRunning) {
      const batch = this.waiting.splice(0, this.options.maxSize);
      this.running++;
      void this.runBatch(batch).finally(() => {
        this.running--;
        this.startBatches();
      });
    }
  }

  /** Settles every request of the batch; never rejects. */
  private async runBatch(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((w) => w.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} got ${results.length} results`);
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
