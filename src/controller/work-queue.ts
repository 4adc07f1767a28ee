/** How a key is added: `urgent` keys are taken before every key of the ordinary lane. */
export interface AddOptions {
  urgent?: boolean;
}

type Timer = NodeJS.Timeout & { dueAt?: number; urgent?: boolean };

/** An urgent key due again within this long (a running sync's next step) is urgent work under way. */
const URGENT_SOON_MS = 1_000;

/**
 * A keyed work queue: each key is processed by at most one worker at a time; adding a key that is
 * already waiting does nothing, adding one that is being processed runs it once more afterwards
 * (so no change is lost), and `addAfter` schedules a key for later (polling, retries).
 * Two lanes: urgent keys (a sync in progress, a person's request, an app whose Git input
 * changed) go before the ordinary ones (polls, a webhook's refresh of every app of a repo), so
 * the app someone waits for is not queued behind hundreds that only confirm they did not change.
 */
export class WorkQueue {
  private readonly waiting: string[] = [];
  private readonly urgentWaiting: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly dirtyUrgent = new Set<string>();
  private readonly timers = new Map<string, Timer>();
  /** Keys taken from the urgent lane and running. */
  private readonly activeUrgent = new Set<string>();
  /** Urgent keys due again within URGENT_SOON_MS (a sync's next step): urgent work under way. */
  private readonly soonUrgent = new Set<string>();
  private readonly idleWaiters: (() => void)[] = [];
  private running = 0;
  private stopped = false;
  private readonly concurrency: number;
  private readonly urgentReserve: number;
  private readonly ordinaryBesideUrgent: number;
  private readonly handler: (key: string) => Promise<void>;
  private readonly onError: (key: string, error: unknown) => void;

  constructor(options: {
    concurrency: number;
    /**
     * Workers the ordinary lane leaves free for urgent keys (default 0): an urgent key then
     * starts at once instead of waiting for a slow ordinary run to end.
     */
    urgentReserve?: number;
    /**
     * The most ordinary keys that run while urgent work is under way (an urgent key running or
     * waiting, or due again within a second); default: no limit. They share one event loop and
     * one API server with the urgent ones, so a push's hundreds of confirmations would slow the
     * changed app's sync down; a few still run, so ordinary work is never stopped.
     */
    ordinaryBesideUrgent?: number;
    handler: (key: string) => Promise<void>;
    onError?: (key: string, error: unknown) => void;
  }) {
    this.concurrency = options.concurrency;
    this.urgentReserve = Math.min(options.urgentReserve ?? 0, options.concurrency - 1);
    this.ordinaryBesideUrgent = options.ordinaryBesideUrgent ?? options.concurrency;
    this.handler = options.handler;
    this.onError = options.onError ?? (() => {});
  }

  add(key: string, options: AddOptions = {}): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      if (options.urgent) this.dirtyUrgent.add(key);
      return;
    }
    if (this.queued.has(key)) {
      // Waiting in the ordinary lane and now urgent: moved ahead (once, no duplicate).
      const at = options.urgent ? this.waiting.indexOf(key) : -1;
      if (at >= 0) {
        this.waiting.splice(at, 1);
        this.urgentWaiting.push(key);
      }
      return;
    }
    this.queued.add(key);
    (options.urgent ? this.urgentWaiting : this.waiting).push(key);
    this.pump();
  }

  /** Adds the key after `delayMs`, unless an earlier timer for it is already pending sooner. */
  addAfter(key: string, delayMs: number, options: AddOptions = {}): void {
    if (this.stopped) return;
    const existing = this.timers.get(key);
    const dueAt = Date.now() + delayMs;
    if (existing?.dueAt !== undefined && existing.dueAt <= dueAt) return;
    if (existing) this.clearTimer(key);
    const timer: Timer = setTimeout(() => {
      this.timers.delete(key);
      this.soonUrgent.delete(key);
      this.add(key, options);
    }, delayMs);
    if (options.urgent && delayMs <= URGENT_SOON_MS) this.soonUrgent.add(key);
    timer.dueAt = dueAt;
    timer.unref();
    this.timers.set(key, timer);
  }

  /** When a key scheduled by `addAfter` will be added (epoch ms), or undefined. */
  scheduledAt(key: string): number | undefined {
    return this.timers.get(key)?.dueAt;
  }

  /** Forgets a key entirely (its Application was deleted). */
  forget(key: string): void {
    this.clearTimer(key);
    this.dirty.delete(key);
    this.dirtyUrgent.delete(key);
  }

  get length(): number {
    return this.urgentWaiting.length + this.waiting.length + this.active.size;
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
    this.soonUrgent.clear();
    this.waiting.length = 0;
    this.urgentWaiting.length = 0;
    this.queued.clear();
  }

  private clearTimer(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.soonUrgent.delete(key);
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency) {
      const urgentUnderWay =
        this.urgentWaiting.length > 0 || this.activeUrgent.size > 0 || this.soonUrgent.size > 0;
      const ordinaryRunning = this.running - this.activeUrgent.size;
      const ordinaryMayRun =
        this.running < this.concurrency - this.urgentReserve &&
        (!urgentUnderWay || ordinaryRunning < this.ordinaryBesideUrgent);
      const urgent = this.urgentWaiting.shift();
      const key = urgent ?? (ordinaryMayRun ? this.waiting.shift() : undefined);
      if (key === undefined) return;
      this.queued.delete(key);
      this.active.add(key);
      if (urgent !== undefined) this.activeUrgent.add(key);
      this.running++;
      this.handler(key)
        .catch((error) => this.onError(key, error))
        .finally(() => {
          this.running--;
          this.active.delete(key);
          this.activeUrgent.delete(key);
          if (this.dirty.delete(key)) this.add(key, { urgent: this.dirtyUrgent.delete(key) });
          this.pump();
          if (this.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        });
    }
  }
}
