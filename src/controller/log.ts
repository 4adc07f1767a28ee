// The controller's logging: a level and structured fields on every line (app, cluster, revision,
// operation), so a log store can filter one app's story. pino's logger fits this interface; a
// plain function (tests, older callers) gets lines of `level message {fields}`.

export interface LogFields {
  app?: string;
  cluster?: string;
  revision?: string;
  operation?: string;
  [field: string]: unknown;
}

export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

export type LogOption = Logger | ((line: string) => void);

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** A Logger from what the caller gave: itself, a line function, or nothing (silent). */
export function toLogger(option: LogOption | undefined): Logger {
  if (option === undefined) return lineLogger(() => {});
  if (typeof option === 'function') return lineLogger(option);
  return option;
}

function lineLogger(write: (line: string) => void): Logger {
  const at =
    (level: (typeof LEVELS)[number]) =>
    (fields: LogFields, message: string): void => {
      const shown = Object.entries(fields).filter(([, value]) => value !== undefined);
      write(`${level} ${message}${shown.length > 0 ? ` ${JSON.stringify(Object.fromEntries(shown))}` : ''}`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The message of an error for a log field: never the stack of a Git error with a URL in it. */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
