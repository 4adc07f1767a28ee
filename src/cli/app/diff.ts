// `tiphys app diff`: what a sync would change, computed here the way the controller compares.
// Exits like diff(1): 0 when Git and the cluster agree, 1 when they differ. `--revision` previews
// another revision (a pull request's branch) the same way, changing nothing.
import type { Command } from 'commander';
import { type CommandContext, withBackend } from '../kube-context.ts';
import { exitWith, printOutput } from '../output.ts';
import { appApiPath } from './app-api.ts';

export interface ResourceDiff {
  key: string;
  status: string;
  diff: string;
}

/** Only the resources that differ, each under a header naming it, as `argocd app diff` prints. */
export function formatDiffs(resources: readonly ResourceDiff[]): string {
  return resources
    .map((r) => `===== ${r.key} (${r.status}) =====\n${r.diff.trimEnd()}`.trimEnd())
    .join('\n\n');
}

/** The diff: computed here (Git, renderers, a dry run), or by the API server the same way. */
async function fetchDiff(
  ctx: CommandContext,
  name: string,
  revision: string | undefined,
): Promise<{ revision: string; resources: ResourceDiff[] }> {
  if (ctx.api) {
    if (revision !== undefined) return ctx.api.post(appApiPath(name, 'preview'), { revision });
    return ctx.api.get(appApiPath(name, 'diff'));
  }
  // Loaded on use: it brings the whole comparison engine (Git, renderers, diff).
  const { diffApplication } = await import('../../domain/comparison/diff-application.ts');
  return diffApplication(ctx.rest.kubeConfig, ctx.namespace, name, {
    allowLocalRepos: process.env.TIPHYS_ALLOW_LOCAL_REPOS === 'true',
    revision,
  });
}

export function registerDiffCommand(app: Command): void {
  app
    .command('diff')
    .description('show what a sync would change (exit 1 when Git and the cluster differ)')
    .argument('<name>', 'name of the Application')
    .option(
      '--revision <revision>',
      "preview a branch, tag or commit of the app's repository: what merging it would change",
    )
    .action(async (name: string, flags: { revision?: string }, command: Command) =>
      withBackend(command, async (ctx) => {
        const result = await fetchDiff(ctx, name, flags.revision);
        const differing = result.resources.filter((r) => r.status !== 'Synced');
        printOutput(ctx.output, { ...result, resources: differing }, () => formatDiffs(differing));
        if (differing.length > 0) exitWith(1, 'tiphys.app.diffFound');
      }),
    );
}
