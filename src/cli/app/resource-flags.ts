// `--kind K --name N [--group G] [--resource-namespace NS]`: one resource of an app, for the
// actions and logs commands. The app's status lists its resources, so the flags a person leaves
// out are filled from the one resource that matches (`-n` is the control namespace already).
import type { Command } from 'commander';
import type { Application } from '../../core/model/application.ts';
import type { ResourceRef } from '../../core/model/common.ts';
import { CliError } from '../output.ts';

export interface ResourceFlags {
  kind?: string;
  name?: string;
  group?: string;
  resourceNamespace?: string;
}

export function addResourceFlags(command: Command, required: boolean): Command {
  const what = required ? '' : ' (default: every Pod of the app)';
  return command
    .option('--kind <kind>', `kind of the resource, e.g. Deployment${what}`)
    .option('--name <name>', 'name of the resource')
    .option('--group <group>', "API group of the kind (found from the app's resources when left out)")
    .option('--resource-namespace <namespace>', 'namespace of the resource (found when left out)');
}

const describeFlags = (flags: ResourceFlags) =>
  `${flags.group !== undefined ? `${flags.group}/` : ''}${flags.kind}${flags.resourceNamespace ? ` ${flags.resourceNamespace}/` : ' '}${flags.name}`;

/** The one resource of the app the flags name (pure: unit-tested). */
export function resolveResource(app: Application, flags: ResourceFlags): Required<ResourceRef> {
  if (!flags.kind || !flags.name) throw new CliError('name the resource with --kind and --name');
  const matches = (app.status?.resources ?? []).filter(
    (r) =>
      r.kind === flags.kind &&
      r.name === flags.name &&
      (flags.group === undefined || (r.group ?? '') === flags.group) &&
      (flags.resourceNamespace === undefined || (r.namespace ?? '') === flags.resourceNamespace),
  );
  if (matches.length === 0) {
    throw new CliError(`application "${app.metadata.name}" has no resource ${describeFlags(flags)}`);
  }
  if (matches.length > 1) {
    const list = matches.map((r) => `${r.group ?? ''}/${r.kind} ${r.namespace ?? ''}/${r.name}`).join(', ');
    throw new CliError(
      `${describeFlags(flags)} matches ${matches.length} resources (${list}); add --group or --resource-namespace`,
    );
  }
  const [found] = matches;
  return { group: found.group ?? '', kind: found.kind, namespace: found.namespace ?? '', name: found.name };
}

/** The query the API's resource routes take. */
export const resourceQuery = (ref: Required<ResourceRef>) => ({
  group: ref.group,
  kind: ref.kind,
  namespace: ref.namespace,
  name: ref.name,
});
