// `tiphys app delete`: the finalizer decides whether the controller deletes the Application's
// resources first (cascade) or leaves them running in the cluster.
import { type Command, InvalidArgumentError } from 'commander';
import { requestDelete as requestDeleteOn } from '../../domain/app-operations.ts';
import { type CommandContext, withBackend } from '../kube-context.ts';
import { AppNotFoundError, appApiPath, notFound } from './app-api.ts';
import { pollApp, seconds } from './wait.ts';

function cascadeValue(value: string | undefined): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('true or false');
}

interface DeleteFlags {
  cascade: boolean;
  wait?: boolean;
  timeout: number;
}

/**
 * Deletes the Application: sets or clears the finalizer, then deletes, or asks the API server,
 * which does the same.
 */
async function requestDelete(ctx: CommandContext, name: string, cascade: boolean): Promise<void> {
  if (ctx.api) {
    await ctx.api.delete(appApiPath(name), { cascade }).catch((error: unknown) => {
      throw (error as { status?: number }).status === 404 ? notFound(ctx, name) : error;
    });
    return;
  }
  await requestDeleteOn(ctx, name, cascade);
}

export function registerDeleteCommand(app: Command): void {
  app
    .command('delete')
    .alias('rm')
    .description('delete an Application; by default the controller first deletes its resources')
    .argument('<name>', 'name of the Application')
    .option(
      '--cascade [bool]',
      'true: delete the resources it deployed too; false: leave them in the cluster',
      cascadeValue,
      true,
    )
    .option('--wait', 'wait until the Application is gone')
    .option('--timeout <seconds>', 'with --wait: how long to wait', seconds, 300)
    .action(async (name: string, flags: DeleteFlags, command: Command) =>
      withBackend(command, async (ctx) => {
        await requestDelete(ctx, name, flags.cascade);
        console.log(
          flags.cascade
            ? `application "${name}" is being deleted; the controller deletes its resources first`
            : `application "${name}" deleted; its resources are left in the cluster`,
        );
        if (!flags.wait) return;
        await pollApp(
          ctx,
          name,
          flags.timeout * 1000,
          () => false,
          (app) => {
            const blocking = app.metadata.finalizers?.join(', ') || 'nothing';
            return `timed out after ${flags.timeout} s waiting for application "${name}" to be deleted (finalizers: ${blocking})`;
          },
        ).catch(ignoreGone);
        console.log(`application "${name}" is gone`);
      }),
    );
}

function ignoreGone(error: unknown): void {
  if (error instanceof AppNotFoundError) return;
  throw error;
}
