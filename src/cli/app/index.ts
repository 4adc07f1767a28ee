// `tiphys app …`: Applications, each subcommand family in its own module.
import type { Command } from 'commander';
import { addGlobalOptions } from '../kube-context.ts';
import { registerActionCommands } from './actions.ts';
import { registerCreateCommand, registerSetCommand } from './create.ts';
import { registerDeleteCommand } from './delete.ts';
import { registerDiffCommand } from './diff.ts';
import { registerListGetCommands } from './list-get.ts';
import { registerLogsCommand } from './logs.ts';
import { registerSyncCommands } from './sync.ts';
import { registerWaitCommands } from './wait.ts';

export function registerAppCommands(program: Command): Command {
  const app = addGlobalOptions(
    program.command('app').description('manage Applications: create, inspect, sync, roll back, delete'),
  );
  registerCreateCommand(app);
  registerListGetCommands(app);
  registerSetCommand(app);
  registerDiffCommand(app);
  registerSyncCommands(app);
  registerWaitCommands(app);
  registerDeleteCommand(app);
  registerActionCommands(app);
  registerLogsCommand(app);
  return app;
}
