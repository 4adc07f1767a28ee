// `tiphys app actions list|run`: resource actions (docs/actions.md) through the API server, which
// checks the caller's RBAC (`action/<group>/<kind>/<action>`) and audits every run.
import type { Command } from 'commander';
import { type ApiContext, withApi } from '../kube-context.ts';
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

async function target(ctx: ApiContext, app: string, flags: ResourceFlags) {
  return resourceQuery(resolveResource(await getApp(ctx, app), flags));
}

const actionsPath = (app: string) => appApiPath(app, 'resource/actions');

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
    withApi(command, async (ctx) => {
      const list = await ctx.api.get<ActionList>(actionsPath(name), await target(ctx, name, flags));
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
      withApi(command, async (ctx) => {
        const params = (flags.param ?? []).map((text) => {
          const [key, value] = parseKeyValue(text, '--param');
          return { name: key, value };
        });
        const query = new URLSearchParams(await target(ctx, name, flags)).toString();
        const result = await ctx.api.post<{ message: string; changed: boolean }>(
          `${actionsPath(name)}?${query}`,
          {
            action,
            ...(params.length > 0 ? { params } : {}),
          },
        );
        printOutput(ctx.output, result, () => result.message);
      }),
  );
}
