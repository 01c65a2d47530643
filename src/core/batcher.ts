// Coalesces work items that arrive one at a time into batches handled together: while one batch is
// being written, new items gather for the next. A failed batch is retried, because the items are
// facts that must not be lost (a database restart must not drop finished executions): first split
// into single items, so one bad item cannot hold the others back, then each with growing backoff.
export interface BatcherOptions<T, R> {
  /** Handles a batch; results are matched to items by position. */
  handle(items: T[]): Promise<(R | undefined)[]>;
  maxBatch?: number;
  /** How long the first item of a batch waits for others to join it (0: the same tick only). */
  gatherMs?: number;
  onError?(err: unknown, attempt: number, items: number): void;
  maxBackoffMs?: number;
}

interface Entry<T, R> {
  item: T;
  resolve: (r: R | undefined) => void;
  attempts: number;
}

export class Batcher<T, R> {
  private pending: Entry<T, R>[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly opts: BatcherOptions<T, R>) {}

  /** Resolves with the item's result once its batch is handled. */
  add(item: T): Promise<R | undefined> {
    return new Promise((resolve) => {
      this.pending.push({ item, resolve, attempts: 0 });
      if (!this.running) this.running = this.drain();
    });
  }

  /** Waits for everything added so far to be handled. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Let items that arrive meanwhile join the first batch.
    const gather = this.opts.gatherMs ?? 0;
    await new Promise((r) => (gather > 0 ? setTimeout(r, gather) : setImmediate(r)));
    while (this.pending.length) {
      // Items that failed before go alone; the rest go together.
      const batch = this.pending[0].attempts > 0 ? this.pending.splice(0, 1) : this.takeFresh();
      try {
        const results = await this.opts.handle(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i]));
      } catch (err) {
        const attempt = Math.max(...batch.map((b) => b.attempts)) + 1;
        this.opts.onError?.(err, attempt, batch.length);
        for (const b of batch) b.attempts++;
        // Back to the end of the line, so the others are not held up.
        this.pending.push(...batch);
        if (batch.length === 1 || this.pending.every((p) => p.attempts > 0)) {
          const wait = Math.min(this.opts.maxBackoffMs ?? 5000, 50 * 2 ** Math.min(attempt, 10));
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    }
    this.running = null;
  }

  private takeFresh(): Entry<T, R>[] {
    const max = this.opts.maxBatch ?? 500;
    const out: Entry<T, R>[] = [];
    const keep: Entry<T, R>[] = [];
    for (const p of this.pending) (p.attempts === 0 && out.length < max ? out : keep).push(p);
    this.pending = keep;
    return out;
  }
}
