// At most `limit` expensive jobs (password hashes: tens of MiB and a good fraction of a CPU
// second each) run at once, and at most `maxWaiting` wait for a turn; beyond that the caller is
// told to come back, rather than every request slowing down until memory runs out.
export class GateFullError extends Error {
  override name = 'GateFullError';
}

export class WorkGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limit: number;
  private readonly maxWaiting: number;

  constructor(options: { limit: number; maxWaiting: number }) {
    this.limit = options.limit;
    this.maxWaiting = options.maxWaiting;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.maxWaiting) throw new GateFullError('too many jobs waiting');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      // The turn passes straight to the next in line, so `running` never drops below it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
