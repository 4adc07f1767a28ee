// The log of `tiphys server` and `tiphys controller`: pino, one JSON object a line on stderr, with
// structured fields; `--log-level` (or TIPHYS_LOG_LEVEL) sets how much.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function parseLogLevel(text: string): LogLevel {
  const level = text.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return level as LogLevel;
}

export function addLogLevelOption(command: Command): Command {
  return command.option(
    '--log-level <level>',
    `how much to log: ${LOG_LEVELS.join(', ')} (or TIPHYS_LOG_LEVEL)`,
    parseLogLevel,
    process.env.TIPHYS_LOG_LEVEL ? parseLogLevel(process.env.TIPHYS_LOG_LEVEL) : 'info',
  );
}

/** A pino logger on stderr at the level asked for. */
export async function createLogger(name: string, level: LogLevel) {
  const { pino } = await import('pino');
  return pino({ name, level }, pino.destination(2));
}
