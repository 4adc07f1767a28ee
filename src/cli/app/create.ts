// `tiphys app create` and `tiphys app set`: flags → spec, validated before anything is sent.
import type { Command } from 'commander';
import { type Application, validateApplication } from '../../core/model/application.ts';
import { apiStatus, withBackend } from '../kube-context.ts';
import { CliError, printOutput, withoutManagedFields } from '../output.ts';
import { createApp, getApp, replaceApp, updateApp } from './app-api.ts';
import { mergePatch } from './merge-patch.ts';
import { addSpecOptions, applicationFromFlags, applySpecFlags, type SpecFlags } from './spec-flags.ts';

/** Every problem at once, one a line, so a person fixes them in one go. */
export function checkApplication(app: Application): void {
  // The controller decides in the end; this says so before anything is written.
  const errors = validateApplication(app, {
    allowLocalRepos: process.env.TIPHYS_ALLOW_LOCAL_REPOS === 'true',
  });
  if (errors.length > 0) {
    throw new CliError(`invalid application "${app.metadata.name}":\n  ${errors.join('\n  ')}`);
  }
}

export function registerCreateCommand(app: Command): void {
  const create = app
    .command('create')
    .description('create an Application')
    .argument('<name>', 'name of the Application')
    .option('--upsert', 'replace the spec if the Application exists');
  addSpecOptions(create, 'create').action(
    async (name: string, flags: SpecFlags & { upsert?: boolean }, command: Command) =>
      withBackend(command, async (ctx) => {
        const desired = applicationFromFlags(name, ctx.namespace, flags);
        checkApplication(desired);
        let result: Application;
        let verb = 'created';
        try {
          result = await createApp(ctx, desired);
        } catch (error) {
          if (apiStatus(error) !== 409) throw error;
          if (!flags.upsert) {
            throw new CliError(
              `application "${name}" already exists in namespace ${ctx.namespace}; pass --upsert to replace its spec`,
            );
          }
          const existing = await getApp(ctx, name);
          result = await replaceApp(ctx, { ...existing, spec: desired.spec });
          verb = 'updated';
        }
        printOutput(ctx.output, withoutManagedFields(result), () => `application "${name}" ${verb}`);
      }),
  );
}

export function registerSetCommand(app: Command): void {
  const set = app
    .command('set')
    .description('change fields of an Application; flags not given are left as they are')
    .argument('<name>', 'name of the Application');
  addSpecOptions(set, 'set').action(async (name: string, flags: SpecFlags, command: Command) =>
    withBackend(command, async (ctx) => {
      const { after, changed } = await updateApp(ctx, name, (current) => {
        const spec = applySpecFlags(current.spec, flags);
        checkApplication({ ...current, spec });
        const patch = mergePatch(current.spec, spec);
        return patch === undefined ? undefined : { spec: patch };
      });
      printOutput(ctx.output, withoutManagedFields(after), () =>
        changed ? `application "${name}" updated` : `application "${name}" unchanged`,
      );
    }),
  );
}
