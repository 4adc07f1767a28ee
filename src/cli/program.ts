import { Command, CommanderError, Option } from 'commander';
import { tiphysVersion } from '../version.ts';
import { registerAccountCommands } from './account.ts';
import { registerAdminBackupCommands } from './admin-backup.ts';
import { registerAdminHealthCommand } from './admin-health.ts';
import { registerInitialPasswordCommand } from './admin-password.ts';
import { registerAppCommands } from './app/index.ts';
import { registerApplicationSetCommands } from './appset.ts';
import { registerClusterCommands } from './cluster.ts';
import { registerImageCommands } from './image.ts';
import { registerImportCommands } from './import-argocd.ts';
import { registerLoginCommands } from './login.ts';
import { registerPipelineCommands } from './pipeline.ts';
import { registerProjectCommands } from './proj.ts';
import { registerRepoCommands } from './repo.ts';
import { exitCodeOf, refuseTyposBeforeHelp } from './usage-errors.ts';

/**
 * Builds the command tree of the CLI door: the commands people and CI pipelines run against a
 * control plane. The commands that start Tiphys's own processes (server, controller, install) are
 * added by the composition root, src/main/program.ts; each subcommand group lives in its own module.
 */
export function buildProgram(): Command {
  const program = new Command('tiphys')
    .description('GitOps continuous delivery for Kubernetes: keeps clusters equal to Git.')
    .showHelpAfterError()
    .exitOverride();
  program
    .command('version')
    .description('print the Tiphys version')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((opts: { output: string }) => {
      const info = { tiphys: tiphysVersion, node: process.version };
      console.log(
        opts.output === 'json' ? JSON.stringify(info) : `tiphys ${info.tiphys} (node ${info.node})`,
      );
    });
  const admin = program
    .command('admin')
    .description('administration: offline checks and control-plane tasks');
  registerAdminHealthCommand(admin);
  registerInitialPasswordCommand(admin);
  registerAdminBackupCommands(admin);
  registerAppCommands(program);
  registerApplicationSetCommands(program);
  registerClusterCommands(program);
  registerRepoCommands(program);
  registerProjectCommands(program);
  registerPipelineCommands(program);
  registerImageCommands(program);
  registerLoginCommands(program);
  registerAccountCommands(program);
  registerImportCommands(program);
  return program;
}

/**
 * Runs one command line; returns the exit code: 0, 1 when the command failed, 2 when the command
 * line was not understood (even with `--help`). `program` defaults to the CLI door's commands.
 */
export async function runCli(argv: string[], program: Command = buildProgram()): Promise<number> {
  refuseTyposBeforeHelp(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return exitCodeOf(error);
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
