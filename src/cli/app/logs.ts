// `tiphys app logs APP [--kind K --name N] [-f]`: the Pod logs of an app through the API server
// (RBAC action `logs`), or with a kubeconfig alone through the same domain operations (the same
// Pods: those of the app's resource tree that its project permits); every line prefixed with its
// Pod and container; a log that cannot be read is said on stderr, with why.
import { createInterface } from 'node:readline';
import { type Command, InvalidArgumentError } from 'commander';
import { type Application, withDefaults } from '../../core/model/application.ts';
import type { ResourceRef } from '../../core/model/common.ts';
import type { LogEntry, LogOptions } from '../../domain/pod-logs.ts';
import { type CliContext, type CommandContext, withBackend } from '../kube-context.ts';
import { CliError, exitWith } from '../output.ts';
import { appApiPath, getApp } from './app-api.ts';
import { addResourceFlags, type ResourceFlags, resolveResource } from './resource-flags.ts';

interface LogFlags extends ResourceFlags {
  follow?: boolean;
  container?: string;
  previous?: boolean;
  tail?: number;
  since?: number;
}

type Entry = { pod?: string; container?: string; line?: string; error?: string; notice?: string };

/** `30s`, `5m`, `2h` → seconds. */
export function parseSince(text: string): number {
  const match = /^(\d{1,7})(s|m|h)$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError('expected a duration such as 30s, 5m or 2h');
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

function parseTail(text: string): number {
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1)
    throw new InvalidArgumentError('expected a number of lines, at least 1');
  return Number(text);
}

/** The text of one entry as printed: `pod/container line`, or undefined for an entry for stderr. */
export function formatLogEntry(entry: Entry): { out?: string; err?: string } {
  if (entry.line !== undefined) return { out: `${entry.pod}/${entry.container} ${entry.line}` };
  if (entry.error !== undefined)
    return { err: `${entry.pod}/${entry.container}: log not available: ${entry.error}` };
  return { err: entry.notice ?? JSON.stringify(entry) };
}

/** The resource the flags name; a Pod the app's workloads made is taken as named (checked later). */
function resourceOf(current: Application, flags: LogFlags): Required<ResourceRef> | undefined {
  if (!flags.kind && !flags.name) return undefined;
  try {
    return resolveResource(current, flags);
  } catch (error) {
    // A Pod the app's workloads made is not one of its resources; the tree check decides.
    if (!(error instanceof CliError) || flags.kind !== 'Pod' || !flags.name) throw error;
    const namespace = flags.resourceNamespace ?? withDefaults(current).spec.destination.namespace ?? '';
    return { group: '', kind: 'Pod', namespace, name: flags.name };
  }
}

/** Each entry of the stream, as the API server sends them or as read here. */
async function readEntries(
  ctx: CommandContext,
  name: string,
  flags: LogFlags,
  each: (entry: LogEntry, text: string) => void,
): Promise<void> {
  const options: LogOptions = {
    follow: flags.follow || undefined,
    container: flags.container,
    previous: flags.previous || undefined,
    tailLines: flags.tail,
    sinceSeconds: flags.since,
  };
  if (!ctx.api) return readLocally(ctx, name, flags, options, each);
  const resource = flags.kind || flags.name ? resourceOf(await getApp(ctx, name), flags) : undefined;
  const response = await ctx.api.stream(appApiPath(name, 'logs'), { ...resource, ...options });
  for await (const text of createInterface({ input: response, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (text !== '') each(JSON.parse(text) as LogEntry, text);
  }
}

async function readLocally(
  ctx: CliContext,
  name: string,
  flags: LogFlags,
  options: LogOptions,
  each: (entry: LogEntry, text: string) => void,
): Promise<void> {
  // Loaded on use: the destination registry is heavy for the other commands.
  const { withLocalAppObjects } = await import('../../domain/app-objects/local-context.ts');
  const { appLogSources } = await import('../../domain/app-objects/log-sources.ts');
  const { streamPodLogs } = await import('../../domain/pod-logs.ts');
  const current = await getApp(ctx, name);
  const under = resourceOf(current, flags);
  await withLocalAppObjects(ctx, async (local) => {
    const { destination, sources, notices } = await appLogSources(local, current, {
      under,
      container: flags.container,
    });
    const emit = (entry: LogEntry) => each(entry, JSON.stringify(entry));
    for (const notice of notices) emit(notice);
    if (sources.length === 0) return;
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    try {
      await streamPodLogs(destination.client.rest, sources, options, emit, abort.signal);
    } finally {
      process.off('SIGINT', stop);
    }
  });
}

export function registerLogsCommand(app: Command): void {
  addResourceFlags(
    app
      .command('logs')
      .description('print the logs of the Pods of an app (or of one resource of it)')
      .argument('<app>', 'name of the Application')
      .option('-f, --follow', 'keep printing new lines')
      .option('-c, --container <name>', 'only this container (default: every container of each Pod)')
      .option('-p, --previous', 'the log of the previous run of each container')
      .option('--tail <lines>', 'the last lines of each log (default 1000 unless --since)', parseTail)
      .option('--since <duration>', 'only lines newer than this, e.g. 5m', parseSince),
    false,
  ).action(async (name: string, flags: LogFlags, command: Command) =>
    withBackend(command, async (ctx) => {
      let lines = 0;
      let errors = 0;
      await readEntries(ctx, name, flags, (entry, text) => {
        if (ctx.output === 'json') {
          process.stdout.write(`${text}\n`);
          return;
        }
        const { out, err } = formatLogEntry(entry);
        if (out !== undefined) {
          lines++;
          process.stdout.write(`${out}\n`);
        } else {
          if ('error' in entry) errors++;
          process.stderr.write(`${err}\n`);
        }
      });
      if (lines === 0 && errors > 0) exitWith(1, 'tiphys.app.logsUnavailable');
    }),
  );
}
