import { type Command, Option } from 'commander';
import { LuaHealthRuntime } from '../adapters/health/lua-runtime.ts';
import { customizationsOf } from '../adapters/health/script-folder.ts';
import { builtinHealth, type HealthAssessor, healthAssessor } from '../core/health/assessor.ts';
import type { HealthResult, HealthStatus } from '../core/health/index.ts';
import type { KubeObject } from '../core/manifest/object.ts';
import type { DocumentOutcome } from '../core/manifest/parse.ts';
import { fail, readManifestDocuments, scriptsOrFail } from './admin-health-input.ts';
import { registerHealthTestCommand } from './admin-health-test.ts';

export interface HealthRow {
  kind: string;
  name: string;
  namespace: string;
  /** 'Error' when the document could not be read as an object; message says why. */
  status: HealthStatus | 'Error';
  message: string;
}

export type Assess = HealthAssessor;

const rowOf = (obj: KubeObject, health: HealthResult): HealthRow => ({
  kind: obj.kind,
  name: obj.metadata.name ?? obj.metadata.generateName ?? '',
  namespace: obj.metadata.namespace ?? '',
  status: health.status,
  message: health.message,
});

/**
 * One row per object. A kind without a health check is reported Healthy with an empty message:
 * that is how it counts in an application's health, and this command shows exactly that.
 */
export async function healthRows(
  objects: readonly KubeObject[],
  assess: Assess = builtinHealth,
): Promise<HealthRow[]> {
  const rows: HealthRow[] = [];
  for (const obj of objects) rows.push(rowOf(obj, (await assess(obj)) ?? { status: 'Healthy', message: '' }));
  return rows;
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** The row of a document that is not a valid object, named as well as its raw value allows. */
function errorRow(outcome: Extract<DocumentOutcome, { error: unknown }>): HealthRow {
  const raw =
    typeof outcome.raw === 'object' && outcome.raw !== null ? (outcome.raw as Record<string, unknown>) : {};
  const metadata =
    typeof raw.metadata === 'object' && raw.metadata !== null
      ? (raw.metadata as Record<string, unknown>)
      : {};
  return {
    kind: text(raw.kind),
    name: text(metadata.name) || text(metadata.generateName),
    namespace: text(metadata.namespace),
    status: 'Error',
    message: outcome.error.message,
  };
}

/** Every document of the input in order: its objects' rows, or one error row for it. */
export async function documentRows(
  outcomes: readonly DocumentOutcome[],
  assess: Assess = builtinHealth,
): Promise<HealthRow[]> {
  const rows: HealthRow[] = [];
  for (const outcome of outcomes)
    rows.push(...('error' in outcome ? [errorRow(outcome)] : await healthRows(outcome.objects, assess)));
  return rows;
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

/**
 * Prints the rows; fails (exit 1) after printing when a document was not an object, and when
 * the file held no object at all, so that a pipeline never passes on nothing.
 */
export function printHealth(file: string, rows: readonly HealthRow[], output: 'text' | 'json'): void {
  if (rows.length === 0) fail(`${file}: no Kubernetes objects found`, 'tiphys.admin.health.empty');
  console.log(output === 'json' ? JSON.stringify(rows, null, 2) : formatHealthTable(rows));
  const errors = rows.filter((row) => row.status === 'Error').length;
  if (errors > 0)
    fail(
      `${errors} of ${rows.length} documents of ${file} are not valid objects`,
      'tiphys.admin.health.parse',
    );
}

/** Adds `health -f FILE [--scripts DIR] [-o json|text]` and `health test DIR` under `tiphys admin`. */
export function registerAdminHealthCommand(adminCommand: Command): Command {
  const health = adminCommand
    .command('health')
    .description(
      'assess the health of every object in a manifest file (objects with their status, e.g. from ' +
        '`kubectl get -o yaml`); kinds without a health check show as Healthy',
    )
    .option('-f, --file <file>', 'YAML or JSON file, possibly with several documents or a List (required)')
    .option(
      '--scripts <dir>',
      'Lua health scripts laid out as <group>/<kind>/health.lua (Argo CD resource_customizations); ' +
        'they override the built-in checks of their kinds',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: { file?: string; scripts?: string; output: 'text' | 'json' }) => {
      if (opts.file === undefined)
        fail("required option '-f, --file <file>' not specified", 'commander.missingMandatoryOptionValue');
      const documents = await readManifestDocuments(opts.file);
      if (opts.scripts === undefined) {
        printHealth(opts.file, await documentRows(documents), opts.output);
        return;
      }
      const runtime = new LuaHealthRuntime();
      try {
        const assess = healthAssessor(customizationsOf(await scriptsOrFail(opts.scripts)), runtime);
        printHealth(opts.file, await documentRows(documents, assess), opts.output);
      } finally {
        runtime.close();
      }
    });
  registerHealthTestCommand(health);
  return health;
}
