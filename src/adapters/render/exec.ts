import { spawn } from 'node:child_process';
import { RenderError, RenderTimeoutError, RenderToolError } from './errors.ts';
import { missingToolHint } from './tools.ts';

export interface ToolRun {
  /** 'helm' or 'kustomize', for messages. */
  tool: string;
  bin: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** stdout beyond this is refused: a template loop must not fill the process's memory. */
  maxOutputBytes?: number;
}

const MiB = 1024 * 1024;
/** Matches the manifest parser's bound on a whole text. */
const defaultMaxOutputBytes = 64 * MiB;
const stderrKeptChars = 8 * 1024;

/**
 * Runs a render tool without a shell and returns its stdout. A non-zero exit is a
 * RenderToolError carrying the end of stderr; running past the timeout kills the process.
 */
export function runTool(run: ToolRun): Promise<string> {
  const maxOutput = run.maxOutputBytes ?? defaultMaxOutputBytes;
  return new Promise((resolve, reject) => {
    // Its own process group, so that a timeout also kills what the tool started (git, plugins).
    const child = spawn(run.bin, run.args, {
      cwd: run.cwd,
      env: run.env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let outputBytes = 0;
    let stderr = '';
    let settled = false;
    const settle = (error: Error | undefined, output?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) resolve(output ?? '');
      else reject(error);
    };
    // Settles at once rather than on 'close', which waits for every holder of the pipes to exit.
    const stop = (error: RenderError) => {
      killGroup(child.pid);
      settle(error);
    };
    const timer = setTimeout(() => stop(new RenderTimeoutError(run.tool, run.timeoutMs)), run.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > maxOutput) {
        stop(new RenderError(`${run.tool} printed more than ${maxOutput} bytes`, { terminal: true }));
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-stderrKeptChars);
    });
    child.on('error', (cause: NodeJS.ErrnoException) => {
      // Usually a missing binary: the installation is at fault, not the repository.
      const hint = cause.code === 'ENOENT' ? `; ${missingToolHint(run.tool)}` : '';
      settle(
        new RenderError(`cannot run ${run.tool} (${run.bin}): ${cause.message}${hint}`, {
          terminal: false,
          cause,
        }),
      );
    });
    child.on('close', (code) => {
      if (code !== 0) settle(new RenderToolError(run.tool, code, stderr));
      else settle(undefined, Buffer.concat(chunks).toString('utf8'));
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * The environment the tools see: PATH to find helpers, a HOME of our own (a fresh private
 * folder), and a git that may use no transport at all (kustomize.ts opens the ones a project
 * allows), nothing else: the controller's variables, KUBECONFIG, cloud credentials and proxy
 * settings never reach a repository's templates, plugins or fetches.
 */
export function toolEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_ALLOW_PROTOCOL: 'none',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}
