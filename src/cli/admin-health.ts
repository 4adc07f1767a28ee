import { readFile, stat } from 'node:fs/promises';
import { type Command, CommanderError, Option } from 'commander';
import { assessHealth, type HealthStatus } from '../core/health/index.ts';
import type { KubeObject } from '../core/manifest/object.ts';
import { defaultParseLimits, ManifestParseError, parseManifests } from '../core/manifest/parse.ts';

export interface HealthRow {
  kind: string;
  name: string;
  namespace: string;
  status: HealthStatus;
  message: string;
}

/**
 * One row per object. A kind without a health check is reported Healthy with an empty message:
 * that is how it counts in an application's health, and this command shows exactly that.
 */
export function healthRows(objects: readonly KubeObject[]): HealthRow[] {
  return objects.map((obj) => {
    const health = assessHealth(obj) ?? { status: 'Healthy', message: '' };
    return {
      kind: obj.kind,
      name: obj.metadata.name ?? obj.metadata.generateName ?? '',
      namespace: obj.metadata.namespace ?? '',
      status: health.status,
      message: health.message,
    };
  });
}

/** A kubectl-style table: padded columns, messages kept on one line. */
export function formatHealthTable(rows: readonly HealthRow[]): string {
  const header = ['KIND', 'NAME', 'NAMESPACE', 'STATUS', 'MESSAGE'];
  const cells = rows.map((row) => [
    row.kind,
    row.name,
    row.namespace,
    row.status,
    row.message.replace(/\s*\n\s*/g, ' '),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => line[column].length)),
  );
  return [header, ...cells]
    .map((line) =>
      line
        .map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column])))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}

/** Prints the error for a person and fails the command with exit code 1 (runCli maps it). */
function fail(message: string, code: string): never {
  console.error(`error: ${message}`);
  throw new CommanderError(1, code, message);
}

async function readManifests(file: string): Promise<KubeObject[]> {
  let text: string;
  try {
    // Checked before reading so that a huge file is refused without being loaded into memory.
    if ((await stat(file)).size > defaultParseLimits.maxTotalBytes) {
      fail(`${file}: larger than ${defaultParseLimits.maxTotalBytes} bytes`, 'tiphys.admin.health.read');
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof CommanderError) throw error;
    return fail(
      `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
      'tiphys.admin.health.read',
    );
  }
  try {
    return parseManifests(text, file);
  } catch (error) {
    if (error instanceof ManifestParseError) return fail(error.message, 'tiphys.admin.health.parse');
    throw error;
  }
}

/** Adds `health -f FILE [-o json|text]` under `tiphys admin`. */
export function registerAdminHealthCommand(adminCommand: Command): Command {
  return adminCommand
    .command('health')
    .description(
      'assess the health of every object in a manifest file (objects with their status, e.g. from ' +
        '`kubectl get -o yaml`); kinds without a health check show as Healthy',
    )
    .requiredOption('-f, --file <file>', 'YAML or JSON file, possibly with several documents or a List')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: { file: string; output: 'text' | 'json' }) => {
      const rows = healthRows(await readManifests(opts.file));
      console.log(opts.output === 'json' ? JSON.stringify(rows, null, 2) : formatHealthTable(rows));
    });
}
