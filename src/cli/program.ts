import { Command, CommanderError, Help, Option } from 'commander';
import { tiphysVersion } from '../version.ts';
import { addCommandGroups, type CommandGroup, cliCommandGroups, placeholderTerms } from './command-groups.ts';
import { exitCodeOf, refuseTyposBeforeHelp } from './usage-errors.ts';

/**
 * Builds the command tree of the CLI door: the commands people and CI pipelines run against a
 * control plane, plus `extra` groups (the composition root, src/main/program.ts, adds the commands
 * that start Tiphys's own processes). With `argv`, only the group that the command line names is
 * loaded, the others are placeholders for the root help (command-groups.ts); without, all are.
 */
export async function buildProgram(
  argv?: readonly string[],
  extra: readonly CommandGroup[] = [],
): Promise<Command> {
  const program = new Command('tiphys')
    .description('GitOps continuous delivery for Kubernetes: keeps clusters equal to Git.')
    .showHelpAfterError()
    .exitOverride()
    .configureHelp({
      subcommandTerm: (command) => placeholderTerms.get(command) ?? new Help().subcommandTerm(command),
    });
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
  await addCommandGroups(program, [...cliCommandGroups, ...extra], argv);
  return program;
}

/**
 * Runs one command line; returns the exit code: 0, 1 when the command failed, 2 when the command
 * line was not understood (even with `--help`). `program` defaults to the CLI door's commands.
 */
export async function runCli(argv: string[], program?: Command): Promise<number> {
  program ??= await buildProgram(argv);
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
