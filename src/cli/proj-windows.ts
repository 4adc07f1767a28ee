// `tiphys proj windows NAME`: the project's sync windows now, which are open and until when,
// when the closed ones next open. Straight against the control cluster or through the API.
import type { Command } from 'commander';
import type { SyncWindow } from '../core/model/app-project.ts';
import { getProjectWindows, type ProjectWindows } from '../domain/project-windows.ts';
import { apiStatus, type CommandContext, withBackend } from './kube-context.ts';
import { CliError, formatTable, printOutput } from './output.ts';

export function registerProjectWindowsCommand(group: Command): void {
  group
    .command('windows')
    .description('show the sync windows of an AppProject: which are open now, and when the next opens')
    .argument('<name>', 'name of the AppProject')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const windows = await fetchWindows(ctx, name);
        printOutput(ctx.output, windows, () => formatWindows(windows));
      }),
    );
}

async function fetchWindows(ctx: CommandContext, name: string): Promise<ProjectWindows> {
  if (!ctx.api) return getProjectWindows(ctx, name);
  try {
    return await ctx.api.get<ProjectWindows>(`/api/v1/projects/${encodeURIComponent(name)}/windows`);
  } catch (error) {
    if (apiStatus(error) === 404)
      throw new CliError(`project "${name}" not found in namespace ${ctx.namespace}`);
    throw error;
  }
}

const matchers = (w: SyncWindow) =>
  [
    ...(w.applications ?? []).map((g) => `app:${g}`),
    ...(w.namespaces ?? []).map((g) => `ns:${g}`),
    ...(w.clusters ?? []).map((g) => `cluster:${g}`),
  ].join(',');

export function formatWindows(report: ProjectWindows): string {
  if (report.windows.length === 0)
    return `project "${report.project}" has no sync windows: syncs may run any time`;
  return formatTable(
    ['#', 'KIND', 'SCHEDULE', 'DURATION', 'TIME ZONE', 'MANUAL SYNC', 'MATCHES', 'STATE'],
    report.windows.map((s) => [
      String(s.index),
      s.window.kind,
      s.window.schedule,
      s.window.duration,
      s.window.timeZone ?? 'UTC',
      s.window.manualSync ? 'allowed' : 'no',
      matchers(s.window),
      s.error
        ? `invalid: ${s.error}`
        : s.open
          ? `open until ${s.open.atLeast ? 'at least ' : ''}${s.open.end}`
          : s.nextOpen
            ? `closed, opens ${s.nextOpen}`
            : 'closed, never opens again',
    ]),
  );
}
