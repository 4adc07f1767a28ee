// `tiphys app list`, `app get` and `app history`: read-only views of Applications.
import type { Command } from 'commander';
import { type Application, withDefaults } from '../../core/model/application.ts';
import { type AppWindows, getAppWindows } from '../../domain/app-windows.ts';
import { type CommandContext, withBackend } from '../kube-context.ts';
import { printOutput, withoutManagedFields } from '../output.ts';
import { appApiPath, getApp, listApps } from './app-api.ts';
import { formatAppDetails, formatAppList, formatHistory } from './views.ts';

/** The sync windows that concern the app; none when they cannot be read (an older API server). */
async function windowsOf(ctx: CommandContext, app: Application): Promise<AppWindows | undefined> {
  try {
    if (!ctx.api) return await getAppWindows(ctx, app);
    return await ctx.api.get<AppWindows>(appApiPath(app.metadata.name, 'windows'));
  } catch {
    return undefined;
  }
}

export function registerListGetCommands(app: Command): void {
  app
    .command('list')
    .alias('ls')
    .description('list Applications')
    .option('-p, --project <name>', 'only Applications of this AppProject')
    .option('-l, --selector <selector>', 'only Applications matching this label selector, like team=a')
    .action(async (flags: { project?: string; selector?: string }, command: Command) =>
      withBackend(command, async (ctx) => {
        const apps = (await listApps(ctx, flags.selector))
          .filter((a) => flags.project === undefined || withDefaults(a).spec.project === flags.project)
          .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
        printOutput(ctx.output, apps.map(withoutManagedFields), () => {
          // On stderr, as kubectl does: a script reading the table sees no rows, not a sentence.
          if (apps.length === 0) console.error(`No applications in namespace ${ctx.namespace}.`);
          return apps.length === 0 ? '' : formatAppList(apps, ctx.output === 'wide');
        });
      }),
    );

  app
    .command('get')
    .description('show an Application: source, destination, status, conditions, last operation, resources')
    .argument('<name>', 'name of the Application')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const found = await getApp(ctx, name);
        const windows =
          ctx.output === 'json' || ctx.output === 'yaml' ? undefined : await windowsOf(ctx, found);
        printOutput(ctx.output, withoutManagedFields(found), () => formatAppDetails(found, windows));
      }),
    );

  app
    .command('history')
    .description('list the deployments of an Application (the IDs are what rollback takes)')
    .argument('<name>', 'name of the Application')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const found = await getApp(ctx, name);
        printOutput(ctx.output, found.status?.history ?? [], () => formatHistory(found));
      }),
    );
}
