// Which checkouts are in use. A render holds a lease on its checkout from before the folder is
// looked for until its last file is read; the sweep removes a checkout only while nobody holds
// it, and a lease taken while a removal runs waits for it to end (the caller then writes the
// checkout again). Both sides decide synchronously, in one turn of the event loop, so a
// checkout is never removed between a lease and its use.

export class CheckoutLeases {
  readonly #held = new Map<string, number>();
  /** Epoch ms each path was last leased or released (paths not used since start: absent). */
  readonly #used = new Map<string, number>();
  readonly #removing = new Map<string, Promise<void>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Holds `path` until the returned function is called (calling it again does nothing). */
  async acquire(path: string): Promise<() => void> {
    this.#held.set(path, (this.#held.get(path) ?? 0) + 1);
    this.#used.set(path, this.#now());
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.#held.get(path) ?? 1) - 1;
      if (left > 0) this.#held.set(path, left);
      else this.#held.delete(path);
      this.#used.set(path, this.#now());
    };
    try {
      await this.#removing.get(path);
    } catch {
      // A failed removal leaves the folder or not; the caller looks.
    }
    return release;
  }

  inUse(path: string): boolean {
    return this.#held.has(path);
  }

  lastUsed(path: string): number | undefined {
    return this.#used.get(path);
  }

  /** Number of paths leased now. */
  get held(): number {
    return this.#held.size;
  }

  /**
   * Runs `remove` unless `path` is leased (false then, and nothing is done). Leases asked for
   * meanwhile wait for it to finish.
   */
  async removeUnlessUsed(path: string, remove: () => Promise<void>): Promise<boolean> {
    if (this.#held.has(path) || this.#removing.has(path)) return false;
    const removal = remove();
    this.#removing.set(path, removal);
    try {
      await removal;
    } finally {
      this.#removing.delete(path);
      this.#used.delete(path);
    }
    return true;
  }
}
