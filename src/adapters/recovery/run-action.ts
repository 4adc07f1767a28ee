// Runs an administrator's recovery action (a command, a Job in the control cluster, a webhook)
// and returns what it produced: the new cluster's credentials as text, which is secret. Every
// way has a timeout and stops when aborted; no message quotes the output.
import { spawn } from 'node:child_process';
import type { ResolvedRecoveryAction } from '../../core/model/recovery-actions.ts';
import { type ActionContext, type ActionInput, maskSecrets, RecoveryActionError } from './action-types.ts';
import { runJobAction } from './job-action.ts';

export { type ActionContext, type ActionInput, maskSecrets, RecoveryActionError };

const MAX_OUTPUT = 1 << 20;

/** Runs the action once; resolves with its credentials output, rejects with why it failed. */
export function runRecoveryAction(
  action: ResolvedRecoveryAction,
  input: ActionInput,
  context: ActionContext,
): Promise<string> {
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(action.timeoutMs)]);
  if (action.command) return runCommand(action, action.command, input, signal);
  if (action.webhook) return callWebhook(action, action.webhook, input, signal);
  if (action.job) return runJobAction(action, action.job, input, { ...context, signal });
  return Promise.reject(new RecoveryActionError(`action ${action.name} has nothing to run`));
}

function stopped(action: ResolvedRecoveryAction, signal: AbortSignal): RecoveryActionError {
  const timedOut = (signal.reason as Error | undefined)?.name === 'TimeoutError';
  return new RecoveryActionError(
    timedOut
      ? `action ${action.name} timed out after ${action.timeoutMs / 1000} s and was stopped`
      : `action ${action.name} was stopped (${(signal.reason as Error | undefined)?.message ?? 'cancelled'})`,
  );
}

function runCommand(
  action: ResolvedRecoveryAction,
  command: string[],
  input: ActionInput,
  signal: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(stopped(action, signal));
    const [program, ...args] = command as [string, ...string[]];
    // Its own process group, so a timeout stops what it started too; only what the action needs
    // of the controller's environment, so the controller's own credentials are not handed over.
    const child = spawn(program, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/',
        ...action.env,
        TIPHYS_CLUSTER: input.cluster,
        TIPHYS_CLUSTER_SERVER: input.server,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4096);
    });
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    signal.addEventListener('abort', kill, { once: true });
    child.on('error', (error) => {
      signal.removeEventListener('abort', kill);
      reject(
        new RecoveryActionError(
          `action ${action.name}: cannot run ${program}: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
        ),
      );
    });
    child.on('close', (code, signalName) => {
      signal.removeEventListener('abort', kill);
      if (signal.aborted) return reject(stopped(action, signal));
      if (code === 0) return resolve(stdout);
      const last = stderr.trim().split('\n').pop() ?? '';
      reject(
        new RecoveryActionError(
          `action ${action.name} failed (${code === null ? `signal ${signalName}` : `exit code ${code}`})${last ? `: ${maskSecrets(last).slice(0, 300)}` : ''}`,
        ),
      );
    });
  });
}

async function callWebhook(
  action: ResolvedRecoveryAction,
  webhook: NonNullable<ResolvedRecoveryAction['webhook']>,
  input: ActionInput,
  signal: AbortSignal,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...webhook.headers },
      body: JSON.stringify({ cluster: input.cluster, server: input.server }),
      signal,
      redirect: 'error',
    });
  } catch (error) {
    if (signal.aborted) throw stopped(action, signal);
    throw new RecoveryActionError(
      `action ${action.name}: webhook did not answer: ${(error as Error).message}`,
    );
  }
  const text = await response.text().catch(() => '');
  if (!response.ok)
    throw new RecoveryActionError(`action ${action.name}: webhook answered ${response.status}`);
  if (text.length > MAX_OUTPUT)
    throw new RecoveryActionError(`action ${action.name}: webhook answer too large`);
  return text;
}
