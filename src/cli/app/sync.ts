// `tiphys app sync` and `app rollback`: both request an operation the controller runs, by writing
// the Application's top-level `operation`, and (unless asked not to) wait for its result.
import { type Command, InvalidArgumentError } from 'commander';
import type { Operation } from '../../core/model/application-status.ts';
import type { ResourceRef } from '../../core/model/common.ts';
import {
  requestRollback as requestRollbackOn,
  requestSync as requestSyncOn,
  rollbackPatch,
} from '../../domain/app-operations.ts';
import { refuseManualSyncOutsideWindows } from '../../domain/app-windows.ts';
import { type CommandContext, withBackend } from '../kube-context.ts';
import { CliError, collect, exitWith, parseKeyValue, printOutput, shortRevision } from '../output.ts';
import { appApiPath, getApp } from './app-api.ts';
import { parseResourceSelector } from './resource-selector.ts';
import { formatOperationState } from './views.ts';
import { seconds, waitForOperation } from './wait.ts';

export const CLI_USERNAME = 'cli';

interface SyncFlags {
  prune?: boolean;
  dryRun?: boolean;
  revision?: string;
  resource?: string[];
  syncOption?: string[];
  async?: boolean;
  timeout: number;
}

/** The `operation` a sync request writes; pure, so the flag mapping is unit-tested. */
export function syncOperation(flags: Omit<SyncFlags, 'async' | 'timeout'>): Operation {
  const resources: ResourceRef[] | undefined = flags.resource?.map(parseResourceSelector);
  for (const option of flags.syncOption ?? []) parseKeyValue(option, 'sync option');
  const sync: Operation['sync'] = {};
  if (flags.revision !== undefined) sync.revision = flags.revision;
  if (flags.prune) sync.prune = true;
  if (flags.dryRun) sync.dryRun = true;
  if (resources && resources.length > 0) sync.resources = resources;
  if (flags.syncOption && flags.syncOption.length > 0) sync.syncOptions = flags.syncOption;
  return { sync, initiatedBy: { username: CLI_USERNAME } };
}

/**
 * Waits for the operation and prints its outcome; exits 1 unless it Succeeded. The result is
 * printed either way, since the failing resources are what the person needs to see.
 */
async function awaitResult(ctx: CommandContext, name: string, requestedAt: number, timeoutMs: number) {
  const done = await waitForOperation(ctx, name, requestedAt, timeoutMs);
  const state = done.status?.operationState;
  if (!state) throw new CliError(`application "${name}" has no operation state`);
  printOutput(ctx.output, state, () => formatOperationState(state));
  if (state.phase !== 'Succeeded') {
    console.error(`error: the operation on application "${name}" ended ${state.phase}`);
    exitWith(1, 'tiphys.app.operationFailed');
  }
}

/** Requests the operation: a patch of the Application, or the API server's sync endpoint. */
async function requestSync(ctx: CommandContext, name: string, operation: Operation): Promise<void> {
  if (ctx.api) {
    await ctx.api.post(appApiPath(name, 'sync'), operation.sync);
    return;
  }
  // The API server refuses the same way (a sync the windows hold would otherwise wait unseen).
  await refuseManualSyncOutsideWindows(ctx, await getApp(ctx, name));
  await requestSyncOn(ctx, name, operation);
}

/**
 * Requests a rollback and returns the patch it amounts to (for the messages). The API server
 * computes the same patch itself; the one computed here from a read checks the ID first.
 */
async function requestRollback(
  ctx: CommandContext,
  name: string,
  id: number,
  prune: boolean,
): Promise<Record<string, unknown>> {
  if (ctx.api) {
    const patch = rollbackPatch(await getApp(ctx, name), id, prune, CLI_USERNAME);
    await ctx.api.post(appApiPath(name, 'rollback'), { id, ...(prune ? { prune } : {}) });
    return patch;
  }
  await refuseManualSyncOutsideWindows(ctx, await getApp(ctx, name));
  return requestRollbackOn(ctx, name, { id, prune, username: CLI_USERNAME });
}

export function registerSyncCommands(app: Command): void {
  app
    .command('sync')
    .description('sync an Application now and wait for the result (exit 1 unless it succeeds)')
    .argument('<name>', 'name of the Application')
    .option('--prune', 'delete resources that are no longer in Git')
    .option('--dry-run', 'only check what the sync would do')
    .option('--revision <revision>', 'sync this revision instead of the target revision')
    .option(
      '--resource <GROUP:KIND:[NAMESPACE/]NAME>',
      'sync only this resource (repeatable; GROUP empty for core kinds, like :Service:web)',
      collect,
    )
    .option('--sync-option <Name=value>', 'sync option for this sync only, like Replace=true', collect)
    .option('--async', 'do not wait for the result')
    .option('--timeout <seconds>', 'how long to wait for the result', seconds, 300)
    .action(async (name: string, flags: SyncFlags, command: Command) =>
      withBackend(command, async (ctx) => {
        const operation = syncOperation(flags);
        const requestedAt = Date.now();
        await requestSync(ctx, name, operation);
        if (flags.async) {
          printOutput(ctx.output, operation, () => `sync of application "${name}" requested`);
          return;
        }
        await awaitResult(ctx, name, requestedAt, flags.timeout * 1000);
      }),
    );

  app
    .command('rollback')
    .description('deploy the revision of an earlier history entry again and turn automated sync off')
    .argument('<name>', 'name of the Application')
    .argument('<id>', 'history ID (see tiphys app history)', historyId)
    .option('--prune', 'delete resources that are not in that revision')
    .option('--wait', 'wait for the result (exit 1 unless it succeeds)')
    .option('--timeout <seconds>', 'with --wait: how long to wait', seconds, 300)
    .action(
      async (
        name: string,
        id: number,
        flags: { prune?: boolean; wait?: boolean; timeout: number },
        command: Command,
      ) =>
        withBackend(command, async (ctx) => {
          const requestedAt = Date.now();
          const patch = await requestRollback(ctx, name, id, flags.prune ?? false);
          const operation = patch.operation as Operation;
          const requested = `rollback of application "${name}" to history ${id} (${shortRevision(operation.sync.revision)}) requested`;
          if (!flags.wait) printOutput(ctx.output, operation, () => requested);
          else if (ctx.output === 'table' || ctx.output === 'wide') console.log(requested);
          if (patch.spec) {
            // Said on stderr so that -o json stays parseable; a person sees it either way.
            console.error(
              `note: automated sync of "${name}" is now off, or it would sync the target revision again and undo the rollback; turn it back on with: tiphys app set ${name} --sync-policy automated`,
            );
          }
          if (flags.wait) await awaitResult(ctx, name, requestedAt, flags.timeout * 1000);
        }),
    );
}

function historyId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 0) throw new InvalidArgumentError('a history ID is a number');
  return id;
}
