// Coalesces work items that arrive one at a time into batches handled together: while one batch is
// being written, new items gather for the next. A failed batch is retried with backoff, because the
// items are facts that must not be lost (a database restart must not drop finished executions).
export interface BatcherOptions<T, R> {
  handle(items: T[]): Promise<R[]>;
  /** Results are matched to items by position; handle must return one per item or fewer (the rest get undefined). */
  maxBatch?: number;
  onError?(err: unknown, attempt: number): void;
  maxBackoffMs?: number;
}

export class Batcher<T, R> {
  private pending: { item: T; resolve: (r: R | undefined) => void }[] = [];
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly opts: BatcherOptions<T, R>) {}

  add(item: T): Promise<R | undefined> {
    if (this.closed) return Promise.reject(new Error('batcher is closed'));
    return new Promise((resolve) => {
      this.pending.push({ item, resolve });
      if (!this.running) this.running = this.drain();
    });
  }

  /** Waits for everything added so far to be handled. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  close(): void {
    this.closed = true;
  }

  private async drain(): Promise<void> {
    // Let items added in the same tick join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.opts.maxBatch ?? 500);
      for (let attempt = 1; ; attempt++) {
        try {
          const results = await this.opts.handle(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(results[i]));
          break;
        } catch (err) {
          this.opts.onError?.(err, attempt);
          const wait = Math.min(this.opts.maxBackoffMs ?? 5000, 50 * 2 ** Math.min(attempt, 10));
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    }
    this.running = null;
  }
}
