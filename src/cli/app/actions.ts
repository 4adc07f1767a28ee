// `tiphys app actions list|run`: resource actions (docs/actions.md) through the API server, which
// checks the caller's RBAC (`action/<group>/<kind>/<action>`) and audits every run; or, with a
// kubeconfig alone (the cluster's admin, like kubectl), through the same domain operation, which
// makes the same project checks (an object the app tracks, a kind and namespace its project
// permits).
import type { Command } from 'commander';
import type { ActionParameter } from '../../core/actions/types.ts';
import type { Application } from '../../core/model/application.ts';
import { type CliContext, type CommandContext, withBackend } from '../kube-context.ts';
import { collect, formatTable, parseKeyValue, printOutput } from '../output.ts';
import { appApiPath, getApp } from './app-api.ts';
import { addResourceFlags, type ResourceFlags, resolveResource, resourceQuery } from './resource-flags.ts';

interface ActionList {
  actions: { name: string; disabled: boolean; source: string; params?: { name: string }[] }[];
  error?: string;
}

export function formatActions(list: ActionList): string {
  const table = formatTable(
    ['ACTION', 'DISABLED', 'SOURCE', 'PARAMETERS'],
    list.actions.map((a) => [
      a.name,
      String(a.disabled),
      a.source,
      (a.params ?? []).map((p) => p.name).join(','),
    ]),
  );
  return list.error ? `${table}\nwarning: ${list.error}` : table;
}

async function target(ctx: CommandContext, app: string, flags: ResourceFlags) {
  const current = await getApp(ctx, app);
  return { app: current, key: resourceQuery(resolveResource(current, flags)) };
}

const actionsPath = (app: string) => appApiPath(app, 'resource/actions');

/** The domain's operations, with a destination registry and a Lua VM of the command's own. */
async function locally<T>(
  ctx: CliContext,
  body: (
    local: import('../../domain/app-objects/local-context.ts').LocalAppObjects,
    ops: typeof import('../../domain/app-objects/app-actions.ts'),
  ) => Promise<T>,
): Promise<T> {
  // Loaded on use: the destination registry and the Lua VM are heavy for the other commands.
  const { withLocalAppObjects } = await import('../../domain/app-objects/local-context.ts');
  const ops = await import('../../domain/app-objects/app-actions.ts');
  return withLocalAppObjects(ctx, (local) => body(local, ops));
}

async function listActions(ctx: CommandContext, name: string, flags: ResourceFlags): Promise<ActionList> {
  const { app, key } = await target(ctx, name, flags);
  if (ctx.api) return ctx.api.get<ActionList>(actionsPath(name), key);
  return locally(ctx, (local, ops) => ops.listAppResourceActions(local, app, key, local.lua));
}

async function runAction(
  ctx: CommandContext,
  app: Application,
  key: ReturnType<typeof resourceQuery>,
  action: string,
  params: ActionParameter[],
): Promise<{ message: string; changed: boolean }> {
  if (ctx.api) {
    const query = new URLSearchParams(key).toString();
    return ctx.api.post(`${actionsPath(app.metadata.name)}?${query}`, {
      action,
      ...(params.length > 0 ? { params } : {}),
    });
  }
  const { changed } = await locally(ctx, (local, ops) =>
    ops.runAppResourceAction(local, app, { key, action, params, lua: local.lua }),
  );
  const what = `${key.kind} ${key.namespace ? `${key.namespace}/` : ''}${key.name}`;
  return {
    message: changed ? `${action} of ${what} done` : `${action} of ${what}: nothing to change`,
    changed,
  };
}

export function registerActionCommands(app: Command): void {
  const actions = app
    .command('actions')
    .description('list and run actions on a resource of an app (restart, scale, …)');
  addResourceFlags(
    actions
      .command('list')
      .description('the actions a resource offers now')
      .argument('<app>', 'name of the Application'),
    true,
  ).action(async (name: string, flags: ResourceFlags, command: Command) =>
    withBackend(command, async (ctx) => {
      const list = await listActions(ctx, name, flags);
      printOutput(ctx.output, list, () => formatActions(list));
    }),
  );
  addResourceFlags(
    actions
      .command('run')
      .description('run an action on a resource of the app')
      .argument('<app>', 'name of the Application')
      .argument('<action>', 'the action, e.g. restart')
      .option('--param <name=value>', 'a parameter of the action (repeatable), e.g. replicas=3', collect),
    true,
  ).action(
    async (name: string, action: string, flags: ResourceFlags & { param?: string[] }, command: Command) =>
      withBackend(command, async (ctx) => {
        const params = (flags.param ?? []).map((text) => {
          const [key, value] = parseKeyValue(text, '--param');
          return { name: key, value };
        });
        const { app, key } = await target(ctx, name, flags);
        const result = await runAction(ctx, app, key, action, params);
        printOutput(ctx.output, result, () => result.message);
      }),
  );
}
