// `tiphys appset list|get|rollout resume|rollout abort`: ApplicationSets and their progressive
// rollouts. Straight against the control cluster, or through the API server when logged in.
import type { Command } from 'commander';
import type { ApplicationSet } from '../core/model/application-set.ts';
import {
  getApplicationSet,
  listApplicationSets,
  type RolloutRequest,
  requestRolloutAction,
} from '../domain/application-sets/sets.ts';
import { addGlobalOptions, type CommandContext, withBackend } from './kube-context.ts';
import { formatFields, formatTable, printOutput, withoutManagedFields } from './output.ts';

const apiPath = (name?: string) =>
  `/api/v1/applicationsets${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

async function list(ctx: CommandContext): Promise<ApplicationSet[]> {
  if (!ctx.api) return listApplicationSets(ctx);
  return (await ctx.api.get<{ items: ApplicationSet[] }>(apiPath())).items;
}

async function get(ctx: CommandContext, name: string): Promise<ApplicationSet> {
  if (!ctx.api) return getApplicationSet(ctx, name);
  return ctx.api.get<ApplicationSet>(apiPath(name));
}

async function rollout(ctx: CommandContext, name: string, action: RolloutRequest): Promise<string> {
  if (!ctx.api) return requestRolloutAction(ctx, name, action);
  return (await ctx.api.post<{ message: string }>(`${apiPath(name)}/rollout/${action}`)).message;
}

export function formatSetDetails(set: ApplicationSet): string {
  const r = set.status?.rollout;
  const head = formatFields([
    ['Name', set.metadata.name],
    [
      'Rollout',
      r ? `${r.phase}${r.step ? ` at step ${r.step}` : ''}${r.message ? ` (${r.message})` : ''}` : undefined,
    ],
    ...(set.status?.conditions ?? []).map((c) => [c.type, c.message] as const),
  ]);
  const apps = (set.status?.applicationStatus ?? []).map((a) => [
    a.step === undefined ? '' : String(a.step),
    a.application,
    a.status,
    a.message ?? '',
  ]);
  return `${head}\n\n${formatTable(['STEP', 'APPLICATION', 'STATE', 'MESSAGE'], apps)}`;
}

export function registerApplicationSetCommands(program: Command): void {
  const group = addGlobalOptions(program.command('appset').description('ApplicationSets and their rollouts'));
  group
    .command('list')
    .description('list ApplicationSets')
    .action(async (_flags: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const sets = await list(ctx);
        printOutput(ctx.output, sets.map(withoutManagedFields), () =>
          formatTable(
            ['NAME', 'APPS', 'ROLLOUT'],
            sets.map((s) => [
              s.metadata.name,
              String(s.status?.applicationStatus?.length ?? 0),
              s.status?.rollout?.phase ?? '',
            ]),
          ),
        );
      }),
    );
  group
    .command('get <name>')
    .description("show an ApplicationSet: its conditions, its rollout, each app's step and state")
    .action(async (name: string, _flags: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const set = await get(ctx, name);
        printOutput(ctx.output, withoutManagedFields(set), () => formatSetDetails(set));
      }),
    );
  const rolloutGroup = group.command('rollout').description('steer a progressive rollout');
  for (const action of ['resume', 'abort'] as const) {
    rolloutGroup
      .command(`${action} <name>`)
      .description(
        action === 'resume'
          ? 'go on with a stopped rollout, past the apps Degraded now'
          : 'stop the rollout here: apps not updated yet keep their old spec until the template changes',
      )
      .action(async (name: string, _flags: unknown, command: Command) =>
        withBackend(command, async (ctx) => {
          const id = await rollout(ctx, name, action);
          console.log(`${action} requested for ApplicationSet ${name} (${id})`);
        }),
      );
  }
}
