/**
 * Errors of the Git adapter. `terminal` tells the controller whether a retry can help: a
 * malformed argument or a revision the remote does not have fails the same way every time, while
 * a refused login, an unreachable server or a timeout may pass on the next attempt.
 */
export class GitError extends Error {
  override name = 'GitError';
  readonly terminal: boolean;

  constructor(message: string, options: { cause?: unknown; terminal?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.terminal = options.terminal ?? false;
  }
}

/** A repository URL, revision or commit that is refused before any `git` runs. */
export class InvalidGitArgumentError extends GitError {
  override name = 'InvalidGitArgumentError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause, terminal: true });
  }
}

/** `git` ran and failed (bad credentials, unknown repository, network error, …). */
export class GitCommandError extends GitError {
  override name = 'GitCommandError';
  readonly exitCode: number | null;
  /** Git's own message, with secrets masked. */
  readonly stderr: string;

  constructor(message: string, details: { exitCode: number | null; stderr: string; cause?: unknown }) {
    super(message, { cause: details.cause, terminal: false });
    this.exitCode = details.exitCode;
    this.stderr = details.stderr;
  }
}

/** `git` ran longer than allowed and was killed. */
export class GitTimeoutError extends GitError {
  override name = 'GitTimeoutError';
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number) {
    super(message, { terminal: false });
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The repository has no such branch, tag or commit. Terminal: asking again gives the same
 * answer; a push that creates it triggers a new reconcile anyway.
 */
export class RevisionNotFoundError extends GitError {
  override name = 'RevisionNotFoundError';
  readonly repoURL: string;
  readonly revision: string;

  constructor(repoURL: string, revision: string, options: { cause?: unknown; hint?: string } = {}) {
    const shown = revision === '' ? 'HEAD' : revision;
    super(
      `revision ${JSON.stringify(shown)} not found in ${repoURL}${options.hint ? `: ${options.hint}` : ''}`,
      { cause: options.cause, terminal: true },
    );
    this.repoURL = repoURL;
    this.revision = revision;
  }
}
