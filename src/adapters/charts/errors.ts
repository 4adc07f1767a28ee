/**
 * A chart could not be resolved or fetched. `terminal` when only a change of the app or its
 * credentials can fix it (no such version, credentials refused, a digest that does not match);
 * otherwise a retry may help (the repository did not answer).
 */
export class ChartFetchError extends Error {
  override name = 'ChartFetchError';
  readonly terminal: boolean;

  constructor(message: string, options: { terminal: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.terminal = options.terminal;
  }
}
