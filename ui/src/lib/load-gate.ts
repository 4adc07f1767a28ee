// One thing loaded again and again (pure, unit-tested): at most one load at a time; a request
// while one runs makes one more load after it (however many requests came); each answer is
// handed on unless the gate was closed (what is loaded changed, or the page left).
export class LoadGate<T> {
  private readonly load: () => Promise<T>;
  private readonly onData: (value: T) => void;
  private readonly onError: (error: unknown) => void;
  private running = false;
  private pending = false;
  private closed = false;

  constructor(load: () => Promise<T>, onData: (value: T) => void, onError: (error: unknown) => void) {
    this.load = load;
    this.onData = onData;
    this.onError = onError;
  }

  request(): void {
    if (this.closed) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = true;
    this.load()
      .then(
        (value) => {
          if (!this.closed) this.onData(value);
        },
        (error: unknown) => {
          if (!this.closed) this.onError(error);
        },
      )
      .finally(() => {
        this.running = false;
        if (this.pending) {
          this.pending = false;
          this.request();
        }
      });
  }

  close(): void {
    this.closed = true;
  }
}
