// Printers shared by the resource commands: kubectl-style tables by default, JSON or YAML for
// scripts. Every command builds its rows as data and prints through here, so the formats agree.
import { CommanderError, Option } from 'commander';
import { stringify } from 'yaml';

export { withoutManagedFields } from '../core/manifest/object.ts';

export const OUTPUT_FORMATS = ['json', 'yaml', 'wide'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number] | 'table';

/** The `-o, --output` option; absent means a table. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format (default: a table)').choices(OUTPUT_FORMATS);
}

/** A failure the user can act on: runCli prints `error: <message>` (no stack) and exits 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/**
 * Ends the command with an exit code and no further message, for outcomes already reported on
 * stdout (a diff was found, a sync failed and its result table was printed).
 */
export function exitWith(code: number, reason = 'tiphys.exit'): never {
  throw new CommanderError(code, reason, '');
}

/**
 * A padded table: columns separated by three spaces, the last column unpadded, cells kept on one
 * line so `grep` and `awk` see one row per line.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => headers.map((_, column) => oneLine(row[column] ?? '')));
  const widths = headers.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => row[column].length)),
  );
  return [headers, ...cells]
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}

/** `Label:  value` lines with the values aligned, for one object's summary. */
export function formatFields(fields: readonly (readonly [string, string | undefined])[]): string {
  const shown = fields.filter(([, value]) => value !== undefined && value !== '');
  const width = Math.max(0, ...shown.map(([label]) => label.length + 1));
  return shown.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${oneLine(value ?? '')}`).join('\n');
}

export function formatData(format: 'json' | 'yaml', data: unknown): string {
  return format === 'json' ? JSON.stringify(data, null, 2) : stringify(data, { lineWidth: 0 }).trimEnd();
}

/** Prints `data` as JSON or YAML when asked, else the table (or text) the command renders. */
export function printOutput(format: OutputFormat | undefined, data: unknown, render: () => string): void {
  if (format === 'json' || format === 'yaml') console.log(formatData(format, data));
  else {
    const text = render();
    if (text !== '') console.log(text);
  }
}

/** Commit SHAs are shown short, like git does; other revisions (tags, branches) as they are. */
export function shortRevision(revision: string | undefined): string {
  if (!revision) return '';
  // An app of several sources names each source's revision, separated by ';'.
  if (revision.includes(';')) return revision.split(';').map(shortRevision).join(';');
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(revision) ? revision.slice(0, 7) : revision;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Parses `key=value` (the value may contain `=`); for labels and Helm parameters. */
export function parseKeyValue(text: string, what: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new CliError(`${what} "${text}": expected key=value`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** Commander parser for a repeatable option: collects every value in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
