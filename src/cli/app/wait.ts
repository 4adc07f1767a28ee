// `tiphys app wait` and `app refresh`, and the polling that `app sync` and `app rollback` share.
// Polling once a second keeps this simple and robust to API server restarts; a watch would save
// little for a command that waits for minutes at most.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { Application } from '../../core/model/application.ts';
import { requestRefresh as requestRefreshOn } from '../../domain/app-operations.ts';
import { EXIT, progress } from '../exit-codes.ts';
import { type CommandContext, withBackend } from '../kube-context.ts';
import { CliError, exitWith, printOutput, withoutManagedFields } from '../output.ts';
import { appApiPath, getApp } from './app-api.ts';

const POLL_MS = 1_000;
const FINAL_PHASES = new Set(['Succeeded', 'Failed', 'Error']);

/** One condition `app wait` can wait for: whether it holds, and how things stand when it does not. */
interface Want {
  holds(app: Application): boolean;
  describe(app: Application): string;
}

export const WANTS = {
  sync: {
    holds: (app) => app.status?.sync?.status === 'Synced',
    describe: (app) => `sync status is ${app.status?.sync?.status ?? 'Unknown'} (want Synced)`,
  },
  health: {
    holds: (app) => app.status?.health?.status === 'Healthy',
    describe: (app) => {
      const health = app.status?.health;
      return `health is ${health?.status ?? 'Unknown'}${health?.message ? `: ${health.message}` : ''} (want Healthy)`;
    },
  },
  operation: {
    holds: (app) =>
      !app.operation && !['Running', 'Terminating'].includes(app.status?.operationState?.phase ?? ''),
    describe: (app) =>
      app.operation
        ? 'an operation is requested and not finished'
        : `the operation is ${app.status?.operationState?.phase} (want it finished)`,
  },
} satisfies Record<string, Want>;

/** Reads the Application every second until `done` returns true; returns that last read. */
export async function pollApp(
  ctx: CommandContext,
  name: string,
  timeoutMs: number,
  done: (app: Application) => boolean,
  onTimeout: (app: Application) => string,
): Promise<Application> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const app = await getApp(ctx, name);
    if (done(app)) return app;
    if (Date.now() >= deadline) throw new CliError(onTimeout(app));
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}

/**
 * Waits for the operation requested at `requestedAt` to finish: the controller has taken it
 * (`operation` is gone) and the recorded state is of a run started since, not an older one.
 */
export function waitForOperation(
  ctx: CommandContext,
  name: string,
  requestedAt: number,
  timeoutMs: number,
): Promise<Application> {
  // The controller writes timestamps to the second: compare from the start of that second.
  const since = Math.floor(requestedAt / 1000) * 1000;
  const finished = (app: Application) => {
    const state = app.status?.operationState;
    return !app.operation && !!state && Date.parse(state.startedAt) >= since && FINAL_PHASES.has(state.phase);
  };
  return pollApp(ctx, name, timeoutMs, finished, (app) => {
    const state = app.status?.operationState;
    const where =
      app.operation || !state || Date.parse(state.startedAt) < since
        ? 'the controller has not picked it up yet (is tiphys controller running?)'
        : `it is ${state.phase}${state.message ? `: ${state.message}` : ''}`;
    return `timed out after ${timeoutMs / 1000} s waiting for the operation on application "${name}": ${where}`;
  });
}

/**
 * Why waiting longer cannot help, when it cannot: the app is Degraded (waiting on health) or its
 * last operation failed and nothing new was requested (waiting on sync or the operation).
 */
export function waitFailure(app: Application, keys: readonly string[]): string | undefined {
  if (keys.includes('health') && app.status?.health?.status === 'Degraded') {
    return `is Degraded${app.status.health.message ? `: ${app.status.health.message}` : ''}`;
  }
  const state = app.status?.operationState;
  const failed = !app.operation && (state?.phase === 'Failed' || state?.phase === 'Error');
  if (
    failed &&
    (keys.includes('sync') || keys.includes('operation')) &&
    app.status?.sync?.status !== 'Synced'
  ) {
    return `failed to sync: ${state?.phase}${state?.message ? `: ${state.message}` : ''}`;
  }
  return undefined;
}

export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number of seconds');
  return n;
}

interface WaitFlags {
  sync?: boolean;
  health?: boolean;
  operation?: boolean;
  timeout: number;
}

/** Asks for a reconcile: an annotation the controller watches, or the API server's refresh. */
async function requestRefresh(ctx: CommandContext, name: string): Promise<Application> {
  if (ctx.api) {
    await ctx.api.post(appApiPath(name, 'refresh'));
    return getApp(ctx, name);
  }
  return requestRefreshOn(ctx, name);
}

export function registerWaitCommands(app: Command): void {
  app
    .command('wait')
    .description(
      'wait until an Application is synced and healthy (or what the flags say), printing progress on stderr; exit 4 on timeout, 3 when it is Degraded or its sync failed',
    )
    .argument('<name>', 'name of the Application')
    .option('--sync', 'wait until it is Synced')
    .option('--health', 'wait until it is Healthy')
    .option('--operation', 'wait until no operation is pending or running')
    .option('--timeout <seconds>', 'give up after this long', seconds, 300)
    .action(async (name: string, flags: WaitFlags, command: Command) =>
      withBackend(command, async (ctx) => {
        const chosen = (['sync', 'health', 'operation'] as const).filter((key) => flags[key]);
        const keys = chosen.length > 0 ? chosen : (['sync', 'health'] as const);
        const wants = keys.map((key) => WANTS[key]);
        const deadline = Date.now() + flags.timeout * 1000;
        let last = '';
        for (;;) {
          const current = await getApp(ctx, name);
          if (wants.every((want) => want.holds(current))) {
            printOutput(
              ctx.output,
              withoutManagedFields(current),
              () =>
                `application "${name}": ${current.status?.sync?.status ?? 'Unknown'}, ${current.status?.health?.status ?? 'Unknown'}`,
            );
            return;
          }
          const pending = wants
            .filter((want) => !want.holds(current))
            .map((want) => want.describe(current))
            .join('; ');
          const failed = waitFailure(current, keys);
          if (failed) {
            console.error(`error: application "${name}" ${failed}`);
            exitWith(EXIT.failed);
          }
          if (pending !== last) progress(`application "${name}": ${pending}`);
          last = pending;
          if (Date.now() >= deadline) {
            console.error(
              `error: timed out after ${flags.timeout} s waiting for application "${name}": ${pending}`,
            );
            exitWith(EXIT.timeout);
          }
          await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
        }
      }),
    );

  app
    .command('refresh')
    .description('ask the controller to compare the Application with Git and the cluster now')
    .argument('<name>', 'name of the Application')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const result = await requestRefresh(ctx, name);
        printOutput(
          ctx.output,
          withoutManagedFields(result),
          () => `refresh requested for application "${name}"`,
        );
      }),
    );
}
