// The notification queue: bounded (a storm of events cannot grow memory without limit: past the
// capacity a delivery is dropped and counted), a few deliveries at a time, each retried with
// exponential backoff while the failure is one a retry may fix.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliverySettings } from '../../core/notifications/config.ts';
import type { DeliveryPlan } from '../../core/notifications/services.ts';
import { send as defaultSend, type SendResult } from './senders.ts';

export interface Outcome {
  ok: boolean;
  attempts: number;
  /** The last failure, if any (not yet masked). */
  message?: string;
}

interface Job {
  plan: DeliveryPlan;
  settings: DeliverySettings;
  done: (outcome: Outcome) => void;
}

export interface DeliveryQueueOptions {
  capacity?: number;
  concurrency?: number;
  send?: (plan: DeliveryPlan, timeoutMs: number) => Promise<SendResult>;
}

export class DeliveryQueue {
  private readonly jobs: Job[] = [];
  private readonly capacity: number;
  private readonly concurrency: number;
  private readonly sender: (plan: DeliveryPlan, timeoutMs: number) => Promise<SendResult>;
  private running = 0;
  private stopped = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(options: DeliveryQueueOptions = {}) {
    this.capacity = options.capacity ?? 1_000;
    this.concurrency = options.concurrency ?? 4;
    this.sender = options.send ?? defaultSend;
  }

  /** Waiting and running deliveries. */
  get length(): number {
    return this.jobs.length + this.running;
  }

  /** Queues the delivery; false (and nothing queued) when the queue is full or stopped. */
  offer(plan: DeliveryPlan, settings: DeliverySettings, done: (outcome: Outcome) => void): boolean {
    if (this.stopped || this.length >= this.capacity) return false;
    this.jobs.push({ plan, settings, done });
    this.pump();
    return true;
  }

  /** Resolves when nothing waits or runs. */
  idle(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const job of this.jobs.splice(0))
      job.done({ ok: false, attempts: 0, message: 'controller stopping' });
  }

  private pump(): void {
    while (this.running < this.concurrency && this.jobs.length > 0) {
      const job = this.jobs.shift() as Job;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
        if (this.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    const { retries, backoffMs, timeoutMs } = job.settings;
    let last: SendResult = { ok: false, retryable: false, message: 'not sent' };
    let attempts = 0;
    for (let attempt = 0; attempt <= retries && !this.stopped; attempt++) {
      if (attempt > 0) await sleep(Math.min(backoffMs * 2 ** (attempt - 1), 300_000));
      attempts++;
      last = await this.sender(job.plan, timeoutMs).catch((error: unknown) => ({
        ok: false as const,
        retryable: true,
        message: `send failed (${(error as Error).name})`,
      }));
      if (last.ok || !last.retryable) break;
    }
    job.done(last.ok ? { ok: true, attempts } : { ok: false, attempts, message: last.message });
  }
}
