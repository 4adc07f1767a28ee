/**
 * Errors of the render adapter. `terminal` says whether retrying the same render can succeed:
 * bad input in the repository (a path outside it, a chart the tool refuses) fails the same way
 * on every retry and is reported; a timeout or a missing binary may pass later.
 */
export class RenderError extends Error {
  override name = 'RenderError';
  readonly terminal: boolean;

  constructor(message: string, options: { terminal: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.terminal = options.terminal;
  }
}

/** A path (app path, value file, symlink target) that leaves the repository checkout. */
export class PathOutsideRepoError extends RenderError {
  override name = 'PathOutsideRepoError';
  /** The offending path as the user wrote it, or relative to the repository root. */
  readonly path: string;

  constructor(path: string, reason: string) {
    super(`path ${JSON.stringify(path)} is outside the repository: ${reason}`, { terminal: true });
    this.path = path;
  }
}

/** helm or kustomize exited non-zero: the repository content is what it refuses. */
export class RenderToolError extends RenderError {
  override name = 'RenderToolError';
  readonly tool: string;
  readonly exitCode: number | null;
  /** The end of the tool's stderr, which is where it explains itself. */
  readonly stderr: string;

  constructor(tool: string, exitCode: number | null, stderr: string, summary?: string) {
    const detail = stderr.trim() === '' ? '(no output on stderr)' : stderr.trim();
    super(`${summary ?? `${tool} failed (exit ${exitCode})`}: ${detail}`, { terminal: true });
    this.tool = tool;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** The tool ran longer than allowed; a later attempt on a less busy machine may pass. */
export class RenderTimeoutError extends RenderError {
  override name = 'RenderTimeoutError';
  readonly tool: string;
  readonly timeoutMs: number;

  constructor(tool: string, timeoutMs: number) {
    super(`${tool} did not finish within ${timeoutMs} ms`, { terminal: false });
    this.tool = tool;
    this.timeoutMs = timeoutMs;
  }
}
