// The one place the Git adapter starts `git`: no shell, a clean environment, a timeout that
// kills the whole process group (git starts ssh and git-remote-https as children), and
// messages with secrets masked.
import { spawn } from 'node:child_process';
import { GitCommandError, GitTimeoutError } from './errors.ts';
import { maskSecrets } from './mask.ts';

const maxStdoutBytes = 64 * 1024 * 1024;
const maxStderrChars = 8_000;

// Only what Git needs from the machine: proxies and CA bundles, never GIT_DIR or a user's askpass.
const inherited = [
  'PATH',
  'HOME',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
];

/**
 * The environment of every `git` the adapter starts. Transports are limited to what Application
 * URLs may use: no ext:: or fd::, and file only where the operator allowed local repositories
 * (a remote could otherwise point a fetch, or a submodule, at the controller's own disk).
 */
export function gitEnv(
  extra: Record<string, string> = {},
  options: { allowLocal?: boolean } = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of inherited) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    ...env,
    PATH: env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    // English messages whatever the machine's locale, so they read the same in every report.
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ALLOW_PROTOCOL: options.allowLocal ? 'file:git:http:https:ssh' : 'git:http:https:ssh',
    ...extra,
  };
}

export type RunGitOptions = {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Says what was being done, e.g. "fetch from https://host/repo.git", for error messages. */
  what: string;
  secrets?: readonly string[];
  /** Written to git's standard input (batch commands); without it stdin is closed. */
  input?: string;
};

/** Runs `git args…`; resolves with stdout, rejects with GitCommandError or GitTimeoutError. */
export function runGit(args: readonly string[], options: RunGitOptions): Promise<string> {
  const { secrets = [] } = options;
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.input === undefined ? ('ignore' as const) : ('pipe' as const), 'pipe', 'pipe'],
      detached: true,
    });
    // A git that exits before reading all of it gives EPIPE: its exit code says what happened.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let killedFor: 'timeout' | 'output' | undefined;
    const kill = (why: 'timeout' | 'output'): void => {
      killedFor ??= why;
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => kill('timeout'), options.timeoutMs);

    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdoutBytes) kill('output');
      else stdout.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-maxStderrChars);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        new GitCommandError(maskSecrets(`cannot run git to ${options.what}: ${error.message}`, secrets), {
          exitCode: null,
          stderr: '',
          cause: error,
        }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killedFor === 'timeout') {
        const seconds = Math.round(options.timeoutMs / 100) / 10;
        reject(
          new GitTimeoutError(
            maskSecrets(`git timed out after ${seconds}s and was killed: ${options.what}`, secrets),
            options.timeoutMs,
          ),
        );
        return;
      }
      const message = maskSecrets(stderr.trim(), secrets);
      if (killedFor === 'output' || code !== 0) {
        const why =
          killedFor === 'output'
            ? `printed more than ${maxStdoutBytes} bytes`
            : `failed (${signal ?? `exit ${code}`})`;
        reject(
          new GitCommandError(maskSecrets(`git ${why}: ${options.what}${describe(message)}`, secrets), {
            exitCode: code,
            stderr: message,
          }),
        );
        return;
      }
      resolve(Buffer.concat(stdout).toString());
    });
  });
}

/** Git's last lines, with a plain-words hint for the failures people hit most. */
function describe(stderr: string): string {
  if (stderr === '') return '';
  const lines = stderr.split('\n').slice(-6).join('\n');
  let hint = '';
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(stderr))
    hint =
      " (the SSH host key of the server changed since it was trusted: someone may be answering in its place; if the server was reinstalled, update the repository's known hosts)";
  else if (/Host key verification failed|No \S+ host key is known/i.test(stderr))
    hint =
      " (the SSH host key of the server is not known: add it to the repository's known hosts, tiphys repo add --ssh-known-hosts-path, or allow --ssh-accept-new-host-key)";
  else if (/could not read (Username|Password)|terminal prompts disabled/i.test(stderr))
    hint = ' (the server asks for credentials and none were given)';
  else if (/Authentication failed|HTTP 401|HTTP 403|Permission denied \(publickey/i.test(stderr))
    hint = ' (authentication refused: check the repository credentials)';
  else if (/not found|does not appear to be a git repository|does not exist/i.test(stderr))
    hint = ' (repository not found, or no access to it)';
  return `${hint}: ${lines}`;
}
