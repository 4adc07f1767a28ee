/**
 * A keyed work queue: each key is processed by at most one worker at a time; adding a key that is
 * already waiting does nothing, adding one that is being processed runs it once more afterwards
 * (so no change is lost), and `addAfter` schedules a key for later (polling, retries).
 */
export class WorkQueue {
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private running = 0;
  private stopped = false;
  private readonly concurrency: number;
  private readonly handler: (key: string) => Promise<void>;
  private readonly onError: (key: string, error: unknown) => void;

  constructor(options: {
    concurrency: number;
    handler: (key: string) => Promise<void>;
    onError?: (key: string, error: unknown) => void;
  }) {
    this.concurrency = options.concurrency;
    this.handler = options.handler;
    this.onError = options.onError ?? (() => {});
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.waiting.push(key);
    this.pump();
  }

  /** Adds the key after `delayMs`, unless an earlier timer for it is already pending sooner. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    const existing = this.timers.get(key) as (NodeJS.Timeout & { dueAt?: number }) | undefined;
    const dueAt = Date.now() + delayMs;
    if (existing?.dueAt !== undefined && existing.dueAt <= dueAt) return;
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs) as NodeJS.Timeout & { dueAt?: number };
    timer.dueAt = dueAt;
    timer.unref();
    this.timers.set(key, timer);
  }

  /** When a key scheduled by `addAfter` will be added (epoch ms), or undefined. */
  scheduledAt(key: string): number | undefined {
    return (this.timers.get(key) as (NodeJS.Timeout & { dueAt?: number }) | undefined)?.dueAt;
  }

  /** Forgets a key entirely (its Application was deleted). */
  forget(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.dirty.delete(key);
  }

  get length(): number {
    return this.waiting.length + this.active.size;
  }

  /** Resolves when nothing is waiting or being processed. */
  idle(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.waiting.length = 0;
    this.queued.clear();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.waiting.length > 0) {
      const key = this.waiting.shift() as string;
      this.queued.delete(key);
      this.active.add(key);
      this.running++;
      this.handler(key)
        .catch((error) => this.onError(key, error))
        .finally(() => {
          this.running--;
          this.active.delete(key);
          if (this.dirty.delete(key)) this.add(key);
          this.pump();
          if (this.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        });
    }
  }
}
