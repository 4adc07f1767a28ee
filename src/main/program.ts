// The composition root: the one place that knows every door. It takes the CLI's command tree and
// adds the commands that start Tiphys's processes, each wiring the layers below a door together.
import type { Command } from 'commander';
import { buildProgram as buildCliProgram, runCli } from '../cli/program.ts';
import { registerBootstrapCommand } from './bootstrap-command.ts';
import { registerControllerCommand } from './controller-command.ts';
import { registerInstallCommand } from './install-command.ts';
import { registerServerCommand } from './server-command.ts';

/** The whole `tiphys` command tree. */
export function buildProgram(): Command {
  const program = buildCliProgram();
  registerInstallCommand(program);
  registerBootstrapCommand(program);
  registerControllerCommand(program);
  registerServerCommand(program);
  return program;
}

export function runTiphys(argv: string[]): Promise<number> {
  return runCli(argv, buildProgram());
}
