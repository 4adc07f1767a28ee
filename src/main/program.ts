// The composition root: the one place that knows every door. It takes the CLI's command tree and
// adds the commands that start Tiphys's processes, each wiring the layers below a door together.
// Like the CLI's groups, each is loaded only when the command line names it.
import type { Command } from 'commander';
import type { CommandGroup } from '../cli/command-groups.ts';
import { buildProgram as buildCliProgram, runCli } from '../cli/program.ts';

const processCommands: CommandGroup[] = [
  {
    commands: {
      install: {
        term: 'install [options]',
        description:
          'install the Tiphys CRDs, control namespace and default AppProject into the cluster of the current kubeconfig context (safe to run again)',
      },
    },
    load: async () => (await import('./install-command.ts')).registerInstallCommand,
  },
  {
    commands: {
      bootstrap: {
        term: 'bootstrap [options]',
        description:
          'install Tiphys into a new control cluster and hand it the repository that manages it (safe to run again)',
      },
    },
    load: async () => (await import('./bootstrap-command.ts')).registerBootstrapCommand,
  },
  {
    commands: {
      controller: {
        term: 'controller [options]',
        description: 'run the GitOps controller (reconciles Applications, syncs, self-heals)',
      },
    },
    load: async () => (await import('./controller-command.ts')).registerControllerCommand,
  },
  {
    commands: { server: { term: 'server [options]', description: 'run the API server and web UI' } },
    load: async () => (await import('./server-command.ts')).registerServerCommand,
  },
];

/** The `tiphys` command tree: whole without `argv`, or only what the command line `argv` runs. */
export function buildProgram(argv?: readonly string[]): Promise<Command> {
  return buildCliProgram(argv, processCommands);
}

export async function runTiphys(argv: string[]): Promise<number> {
  return runCli(argv, await buildProgram(argv));
}
