// A command line the CLI does not understand must fail, so a pipeline with a typo stops instead
// of passing. Commander prints help and exits 0 when `--help` follows an unknown command
// (`tiphys imagez set --help` showed the root help), and exits 1 for usage errors, the code of
// a command that ran and failed. Here every usage error exits 2, `--help` or not.
import type { Command, CommanderError } from 'commander';

/** Exit code of a command line that is not understood (unknown command or option, bad value). */
export const USAGE_ERROR_EXIT = 2;

/** Commander's codes for a command line it refused before any command ran. */
const usageErrorCodes = new Set([
  'commander.unknownCommand',
  'commander.unknownOption',
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.conflictingOption',
  'commander.excessArguments',
  'commander.invalidArgument',
]);

/** The exit code of a CommanderError: usage errors 2, the rest (help shown, exitWith) their own. */
export function exitCodeOf(error: CommanderError): number {
  // Help asked for exits 0; help shown because a command group got no subcommand (`tiphys app`)
  // is a usage error.
  if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : USAGE_ERROR_EXIT;
  return usageErrorCodes.has(error.code) ? USAGE_ERROR_EXIT : error.exitCode;
}

const guarded = new WeakSet<Command>();

/**
 * Makes help refuse a command line that names an unknown subcommand or option: `--help` asked
 * for help with what was typed, and what was typed does not exist. Applied to every command of
 * the tree (the composition root adds commands after the CLI's own).
 */
export function refuseTyposBeforeHelp(program: Command): void {
  const visit = (command: Command) => {
    if (!guarded.has(command)) {
      guarded.add(command);
      command.on('beforeHelp', () => refuseTypo(command));
    }
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
}

const helpFlags = new Set(['-h', '--help']);

/** Set while an error is reported: its help (showHelpAfterError) must not be checked again. */
let reporting = false;

function refuseTypo(command: Command): void {
  if (reporting) return;
  const problem = typoIn(command);
  if (!problem) return;
  reporting = true;
  try {
    command.error(problem.message, { code: problem.code, exitCode: USAGE_ERROR_EXIT });
  } finally {
    reporting = false;
  }
}

function typoIn(command: Command): { message: string; code: string } | undefined {
  // `args` holds the operands first, then what the options parser did not know.
  const args = command.args;
  const [first, second] = args;
  // Only help someone asked for is checked: help shown after Commander's own error is not.
  if (!args.some((arg) => helpFlags.has(arg)) && first !== 'help') return undefined;
  if (command.commands.length > 0 && first !== undefined && !isOption(first)) {
    // `tiphys help imagez` asks for help on a command that does not exist either.
    const name = first === 'help' && second !== undefined && !isOption(second) ? second : first;
    if (name !== 'help' && !findSubcommand(command, name)) {
      return { message: `error: unknown command '${name}'`, code: 'commander.unknownCommand' };
    }
  }
  if (command.commands.length === 0) {
    const operands = args.slice(0, firstOptionAt(args));
    const declared = command.registeredArguments;
    const variadic = declared.some((argument) => argument.variadic);
    if (!variadic && operands.length > declared.length) {
      return {
        message: `error: too many arguments for '${command.name()}': ${operands.slice(declared.length).join(' ')}`,
        code: 'commander.excessArguments',
      };
    }
  }
  const end = args.indexOf('--');
  const unknownOption = (end === -1 ? args : args.slice(0, end)).find(
    (arg) => isOption(arg) && !helpFlags.has(arg),
  );
  if (unknownOption !== undefined) {
    return { message: `error: unknown option '${unknownOption}'`, code: 'commander.unknownOption' };
  }
  return undefined;
}

function firstOptionAt(args: readonly string[]): number {
  const at = args.findIndex(isOption);
  return at === -1 ? args.length : at;
}

function isOption(arg: string): boolean {
  return arg.length > 1 && arg.startsWith('-');
}

function findSubcommand(command: Command, name: string): Command | undefined {
  return command.commands.find((sub) => sub.name() === name || sub.aliases().includes(name));
}
