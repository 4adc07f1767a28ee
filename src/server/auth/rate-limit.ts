// Failed logins per username in a sliding window. Once a name reaches the limit, further attempts
// are refused (429) before the password is even checked, so guessing cannot continue.
export interface RateLimitOptions {
  maxFailures?: number;
  windowMs?: number;
  /** Bound on tracked names, so a flood of made-up usernames cannot exhaust memory. */
  maxKeys?: number;
  now: () => number;
}

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: RateLimitOptions) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now;
  }

  /** Milliseconds until `username` may try again; 0 when it may try now. */
  retryAfterMs(username: string): number {
    const recent = this.recent(key(username));
    if (recent.length < this.maxFailures) return 0;
    return Math.max(1, recent[recent.length - this.maxFailures] + this.windowMs - this.now());
  }

  recordFailure(username: string): void {
    const name = key(username);
    const recent = this.recent(name);
    recent.push(this.now());
    this.failures.delete(name);
    this.failures.set(name, recent.slice(-this.maxFailures));
    if (this.failures.size > this.maxKeys) this.evict();
  }

  recordSuccess(username: string): void {
    this.failures.delete(key(username));
  }

  private recent(name: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures.get(name) ?? []).filter((at) => at > since);
  }

  private evict(): void {
    for (const name of [...this.failures.keys()]) {
      if (this.recent(name).length === 0) this.failures.delete(name);
    }
    // Still too many: drop the least recently failed (Map keeps insertion order).
    for (const name of this.failures.keys()) {
      if (this.failures.size <= this.maxKeys) break;
      this.failures.delete(name);
    }
  }
}

function key(username: string): string {
  return username.trim().toLowerCase().slice(0, 256);
}
