// Runs a host program (ip, openssl, ctr, runc, apt-get…) with execFile: no shell, a timeout,
// and an error that names the command and carries its stderr. Arguments are fixed by the
// testbed, never built from user input, but a secret must still never be one of them: pass
// secrets on stdin (`input`).
import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class HostCommandError extends Error {
  override name = 'HostCommandError';
  readonly result: CommandResult;
  constructor(message: string, result: CommandResult, options?: ErrorOptions) {
    super(message, options);
    this.result = result;
  }
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** Resolve with the result instead of rejecting when the exit code is not 0. */
  allowFailure?: boolean;
}

export function runCommand(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: options.env },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const result = { stdout: String(stdout), stderr: String(stderr), code };
        if (error && !options.allowFailure) {
          const why = error.killed ? 'timed out' : `exited ${code}`;
          const detail = result.stderr.trim().split('\n').slice(-10).join('\n');
          reject(
            new HostCommandError(
              `${command} ${args.join(' ')} ${why}${detail ? `:\n${detail}` : ''}`,
              result,
              {
                cause: error,
              },
            ),
          );
          return;
        }
        resolve(result);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
