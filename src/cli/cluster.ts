// `tiphys cluster add|list|get|label|rm`: registers clusters Applications can deploy to. The credentials go
// in a Secret the Cluster resource points at (written here, or by the API server when logged in);
// nothing in any output of these commands shows them.
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { type Cluster, ClusterSecretKey } from '../core/model/cluster.ts';
import { clusterKubeconfigProblems } from '../core/model/cluster-kubeconfig.ts';
import { API_VERSION, IN_CLUSTER } from '../core/model/common.ts';
import { changeClusterLabels, parseLabelArguments } from '../domain/cluster-labels.ts';
import { approveClusterRecovery } from '../domain/cluster-recovery.ts';
import {
  clusterResource,
  listClusters as listClusterResources,
  registerCluster,
  unregisterCluster,
} from '../domain/clusters.ts';
import { addClusterGet } from './cluster-get.ts';
import {
  addGlobalOptions,
  addServerOption,
  type CommandContext,
  flattenKubeConfig,
  withBackend,
} from './kube-context.ts';
import {
  CliError,
  collect,
  formatTable,
  parseKeyValue,
  printOutput,
  withoutManagedFields,
} from './output.ts';

export interface ClusterAddFlags {
  kubeconfigFile?: string;
  context?: string;
  server?: string;
  token?: string;
  caFile?: string;
  insecure?: boolean;
  label?: string[];
  skipCheck?: boolean;
  upsert?: boolean;
}

/** What `cluster add` stores: the server URL and the Secret's data (plain strings). */
export async function clusterCredentials(
  flags: ClusterAddFlags,
): Promise<{ server: string; data: Record<string, string> }> {
  const byFile = flags.kubeconfigFile !== undefined;
  const byToken = flags.server !== undefined || flags.token !== undefined;
  if (byFile === byToken) {
    throw new CliError('give either --kubeconfig-file (and optionally --context) or --server with --token');
  }
  if (byFile) {
    if (flags.caFile || flags.insecure)
      throw new CliError('--ca-file and --insecure go with --server, not --kubeconfig-file');
    const { text, server } = await flattenKubeConfig(flags.kubeconfigFile ?? '', flags.context);
    const problems = clusterKubeconfigProblems(text);
    if (problems.length > 0) {
      throw new CliError(
        `${flags.kubeconfigFile}: ${problems.join('; ')} (the controller connects with inline credentials only; for a service account use --server and --token)`,
      );
    }
    return { server, data: { [ClusterSecretKey.kubeconfig]: text } };
  }
  if (flags.context) throw new CliError('--context goes with --kubeconfig-file');
  if (!flags.server || !/^https?:\/\//.test(flags.server))
    throw new CliError('--server must be an http(s):// URL');
  if (!flags.token) throw new CliError('--server needs --token');
  const data: Record<string, string> = { [ClusterSecretKey.bearerToken]: flags.token };
  if (flags.caFile) data[ClusterSecretKey.caData] = readText(flags.caFile, '--ca-file');
  if (flags.insecure) data[ClusterSecretKey.insecure] = 'true';
  return { server: flags.server.replace(/\/$/, ''), data };
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `${what}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

function clusterName(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/.test(value)) {
    throw new InvalidArgumentError('a cluster name is lowercase letters, digits, - and ., at most 63');
  }
  if (value === IN_CLUSTER)
    throw new InvalidArgumentError(`${IN_CLUSTER} is the control cluster itself; it needs no registration`);
  return value;
}

/** GET /version with the new credentials, so a typo is found now and not by the controller. */
async function checkReachable(name: string, server: string, data: Record<string, string>): Promise<string> {
  const { remoteKubeConfig } = await import('../adapters/kube/connection.ts');
  const { KubeRest } = await import('../adapters/kube/rest.ts');
  const rest = new KubeRest(
    remoteKubeConfig(name, server, {
      kubeconfig: data.kubeconfig,
      bearerToken: data.bearerToken,
      caData: data.caData,
      insecure: data.insecure === 'true',
    }),
  );
  try {
    const version = await rest.request<{ gitVersion?: string }>('GET', '/version', { timeoutMs: 15_000 });
    return version.gitVersion ?? '';
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(
      `cannot reach cluster "${name}" at ${server}: ${reason} (pass --skip-check to add it anyway)`,
    );
  } finally {
    rest.close();
  }
}

/** What the API server's POST /api/v1/clusters takes of the Secret data `clusterCredentials` made. */
export function clusterApiBody(name: string, server: string, data: Record<string, string>, labels?: object) {
  return {
    name,
    ...(data.kubeconfig !== undefined
      ? { kubeconfig: data.kubeconfig }
      : {
          server,
          bearerToken: data.bearerToken,
          caData: data.caData,
          ...(data.insecure === 'true' ? { insecure: true } : {}),
        }),
    ...(labels ? { labels } : {}),
  };
}

async function addCluster(ctx: CommandContext, name: string, flags: ClusterAddFlags): Promise<void> {
  const { server, data } = await clusterCredentials(flags);
  const labels = Object.fromEntries((flags.label ?? []).map((text) => parseKeyValue(text, '--label')));
  const registration = { name, server, credentials: data, ...(flags.label ? { labels } : {}) };
  // Checked here too when going through the API server, so a bad flag is reported before the
  // cluster is called.
  clusterResource(ctx.namespace, registration);
  let version: string | undefined;
  const check = async () => {
    version = flags.skipCheck ? undefined : await checkReachable(name, server, data);
  };
  if (ctx.api) {
    if (flags.upsert) {
      throw new CliError(
        '--upsert: the API server does not replace clusters; remove it first (tiphys cluster rm) or pass --kubeconfig',
      );
    }
    await check();
    await ctx.api.post(
      '/api/v1/clusters',
      clusterApiBody(name, server, data, flags.label ? labels : undefined),
    );
    console.log(`cluster "${name}" added (${server}${version ? `, Kubernetes ${version}` : ''})`);
    return;
  }
  const { created } = await registerCluster(ctx, registration, {
    replace: flags.upsert ?? false,
    beforeWrite: check,
  });
  console.log(
    `cluster "${name}" ${created ? 'added' : 'updated'} (${server}${version ? `, Kubernetes ${version}` : ''})`,
  );
}

export function formatClusterList(clusters: readonly Cluster[]): string {
  return formatTable(
    ['NAME', 'SERVER', 'CONNECTION', 'HEALTH', 'RECOVERY', 'VERSION', 'LABELS'],
    clusters.map((c) => [
      c.metadata.name,
      c.spec.server,
      c.status?.connection?.status ?? 'Unknown',
      c.status?.health?.phase ?? '',
      c.status?.recovery?.phase ?? '',
      c.status?.serverVersion ?? '',
      Object.entries(c.metadata.labels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    ]),
  );
}

/** A row of the API server's cluster list as the Cluster the table printer takes. */
function clusterFromView(view: {
  name: string;
  server: string;
  labels?: Record<string, string>;
  connection?: NonNullable<Cluster['status']>['connection'];
  health?: NonNullable<Cluster['status']>['health'];
  recovery?: NonNullable<Cluster['status']>['recovery'];
}): Cluster {
  return {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    metadata: { name: view.name, labels: view.labels },
    spec: { server: view.server },
    status: { connection: view.connection, health: view.health, recovery: view.recovery },
  };
}

/** Registered clusters, and what -o json|yaml shows of them (the API server shows less). */
async function listClusters(ctx: CommandContext): Promise<{ clusters: Cluster[]; data: unknown[] }> {
  if (ctx.api) {
    const views = (await ctx.api.get<{ items: Parameters<typeof clusterFromView>[0][] }>('/api/v1/clusters'))
      .items;
    return { clusters: views.map(clusterFromView), data: views };
  }
  const clusters = await listClusterResources(ctx);
  return { clusters, data: clusters.map(withoutManagedFields) };
}

async function removeCluster(ctx: CommandContext, name: string, force: boolean): Promise<void> {
  if (ctx.api) {
    // The API server refuses to remove a cluster Applications still deploy to, and says which.
    if (force)
      throw new CliError('--force: the API server does not remove clusters in use; pass --kubeconfig');
    await ctx.api.delete(`/api/v1/clusters/${encodeURIComponent(name)}`);
    console.log(`cluster "${name}" removed`);
    return;
  }
  await unregisterCluster(ctx, name, { force });
  console.log(`cluster "${name}" removed`);
}

export function registerClusterCommands(program: Command): Command {
  // No --server on the group: `cluster add --server` is the new cluster's. The API server comes
  // from TIPHYS_SERVER or tiphys login there, and list and rm take --server themselves.
  const group = addGlobalOptions(
    program.command('cluster').description('register the clusters Applications deploy to'),
    { serverFlag: false },
  );
  group
    .command('add')
    .description('register a cluster: its credentials go in a Secret, checked by calling its API first')
    .argument('<name>', 'name Applications use in --dest-cluster', clusterName)
    .option('--kubeconfig-file <path>', 'take server and credentials from this kubeconfig')
    .option('--context <name>', 'with --kubeconfig-file: this context (default: its current one)')
    .option('--server <url>', "URL of the new cluster's Kubernetes API server")
    .option('--token <token>', 'with --server: bearer token of a service account')
    .option('--ca-file <path>', "with --server: the API server's CA certificate (PEM)")
    .option('--insecure', 'with --server: do not verify the TLS certificate')
    .option('--label <key=value>', 'label of the Cluster resource (repeatable)', collect)
    .option('--skip-check', 'do not check that the cluster answers with these credentials')
    .option('--upsert', 'replace the cluster if it is already registered')
    .action(async (name: string, flags: ClusterAddFlags, command: Command) =>
      withBackend(command, (ctx) => addCluster(ctx, name, flags)),
    );
  addServerOption(group.command('list').alias('ls').description('list registered clusters')).action(
    async (_flags: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const { clusters, data } = await listClusters(ctx);
        printOutput(ctx.output, data, () => {
          if (clusters.length === 0) console.error(`No clusters registered in namespace ${ctx.namespace}.`);
          return clusters.length === 0 ? '' : formatClusterList(clusters);
        });
      }),
  );
  addClusterGet(group);
  addServerOption(
    group
      .command('label')
      .description('set (key=value) or remove (key-) labels of a registered cluster')
      .argument('<name>', 'name of the cluster')
      .argument('<labels...>', 'key=value to set, key- to remove'),
  ).action(async (name: string, args: string[], _flags: unknown, command: Command) =>
    withBackend(command, async (ctx) => {
      const changes = parseLabelArguments(args);
      const labels = ctx.api
        ? (
            await ctx.api.request<{ labels: Record<string, string> }>(
              'PATCH',
              `/api/v1/clusters/${encodeURIComponent(name)}/labels`,
              { body: { labels: changes } },
            )
          ).labels
        : ((await changeClusterLabels(ctx, name, changes)).metadata.labels ?? {});
      const shown = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      console.log(`cluster "${name}" labels: ${shown || '(none)'}`);
    }),
  );
  addServerOption(
    group
      .command('rm')
      .alias('remove')
      .description('unregister a cluster and delete its credentials Secret')
      .argument('<name>', 'name of the cluster')
      .option('--force', 'even when Applications deploy to it (not through the API server)'),
  ).action(async (name: string, flags: { force?: boolean }, command: Command) =>
    withBackend(command, (ctx) => removeCluster(ctx, name, flags.force ?? false)),
  );
  const recover = group.command('recover').description('act on the recovery of a lost cluster');
  addServerOption(
    recover
      .command('approve')
      .description('approve the recovery of a lost cluster whose policy is in approve mode (audited)')
      .argument('<name>', 'name of the cluster'),
  ).action(async (name: string, _flags: unknown, command: Command) =>
    withBackend(command, async (ctx) => {
      if (ctx.api) {
        const answer = await ctx.api.post<{ message: string }>(
          `/api/v1/clusters/${encodeURIComponent(name)}/recovery/approve`,
          {},
        );
        console.log(answer.message);
        return;
      }
      // A kubeconfig holder is the control cluster's admin; the approval names who by that.
      const { incident } = await approveClusterRecovery(ctx, name, `kubeconfig:${userName()}`);
      console.log(`recovery of cluster "${name}" (lost at ${incident}) approved`);
    }),
  );
  return group;
}

function userName(): string {
  return process.env.USER ?? process.env.LOGNAME ?? 'unknown';
}
