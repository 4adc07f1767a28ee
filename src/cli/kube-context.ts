// The connection every resource command needs: the control cluster's KubeConfig, or the Tiphys
// API server once logged in; the control namespace and the output format, from the options each
// command group takes; and the kubeconfig and Secret handling the commands that store credentials
// share.
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { stringify } from 'yaml';
import { apiStatus } from '../adapters/control-plane/paths.ts';
import type { KubeRest } from '../adapters/kube/rest.ts';
import { DEFAULT_CONTROL_NAMESPACE } from '../core/model/common.ts';
import { ClusterExistsError, ClusterInUseError } from '../domain/clusters.ts';
import { OperationPendingError, SecretExistsError } from '../domain/errors.ts';
import { ApiClient } from './api-client.ts';
import { readConfig, resolveApiTarget } from './cli-config.ts';
import { CliError, type OutputFormat, outputOption } from './output.ts';

export { apiStatus, MERGE_PATCH, secretPath, tiphysPath } from '../adapters/control-plane/paths.ts';

export interface GlobalOptions {
  kubeconfig?: string;
  namespace: string;
  output?: OutputFormat;
  server?: string;
  authToken?: string;
}

/** Straight to the control cluster with a kubeconfig. */
export interface CliContext {
  rest: KubeRest;
  namespace: string;
  output: OutputFormat;
  kubeconfig?: string;
  api?: undefined;
}

/** Through the Tiphys API server, which checks the caller's rights (RBAC) and keeps the audit log. */
export interface ApiContext {
  api: ApiClient;
  namespace: string;
  output: OutputFormat;
  rest?: undefined;
}

/** What a command that works both ways gets; `ctx.api` tells which. */
export type CommandContext = CliContext | ApiContext;

/**
 * Adds the options shared by a command group. Commander recognises a group's options after its
 * subcommand too, so `tiphys app list -n team-a` and `tiphys app -n team-a list` both work.
 */
export function addGlobalOptions(
  group: Command,
  api: { serverFlag: boolean } = { serverFlag: true },
): Command {
  group
    .configureHelp({ showGlobalOptions: true })
    .option(
      '--kubeconfig <path>',
      'kubeconfig of the control cluster (default: $KUBECONFIG, then ~/.kube/config); skips the API server',
    )
    .option('-n, --namespace <name>', 'control namespace', DEFAULT_CONTROL_NAMESPACE)
    .addOption(outputOption());
  // A group whose subcommand has a --server of its own (cluster add) cannot take it as well:
  // Commander would hand the subcommand's value to the group.
  if (api.serverFlag) addServerOption(group);
  return group.option(
    '--auth-token <token>',
    'API token (default: $TIPHYS_AUTH_TOKEN, then the token of tiphys login)',
  );
}

/** The `--server` options that name the API server, as opposed to `cluster add --server`. */
const apiServerOptions = new WeakSet<Option>();

/** `--server`, for the API server; see addGlobalOptions for where it cannot go. */
export function addServerOption(command: Command): Command {
  const option = new Option(
    '--server <url>',
    'Tiphys API server (default: $TIPHYS_SERVER, then the server of tiphys login)',
  );
  apiServerOptions.add(option);
  return command.addOption(option);
}

/** The API server flag's value: from the nearest command with a --server, if that one is ours. */
function apiServerFlag(command: Command): string | undefined {
  for (let at: Command | null = command; at; at = at.parent) {
    const option = at.options.find((o) => o.long === '--server');
    if (option) return apiServerOptions.has(option) ? (at.opts().server as string | undefined) : undefined;
  }
  return undefined;
}

/** Where the command should go: the API server, or undefined for the kubeconfig. */
function apiTargetOf(command: Command) {
  const flags = { ...globalOptions(command), server: apiServerFlag(command) };
  // With --kubeconfig the login is not looked at, so a broken config file cannot get in the way.
  return resolveApiTarget(flags, process.env, flags.kubeconfig === undefined ? readConfig() : {});
}

async function withApiClient<T>(
  command: Command,
  target: NonNullable<ReturnType<typeof apiTargetOf>>,
  body: (ctx: ApiContext) => Promise<T>,
): Promise<T> {
  const { namespace, output } = globalOptions(command);
  const api = new ApiClient(target);
  try {
    return await body({ api, namespace: namespace ?? DEFAULT_CONTROL_NAMESPACE, output: output ?? 'table' });
  } finally {
    api.close();
  }
}

/**
 * Runs `body` through the API server when the flags, TIPHYS_SERVER/TIPHYS_AUTH_TOKEN or
 * `tiphys login` say so, else straight against the control cluster (withContext).
 */
export async function withBackend<T>(
  command: Command,
  body: (ctx: CommandContext) => Promise<T>,
): Promise<T> {
  const target = apiTargetOf(command);
  return target ? withApiClient(command, target, body) : withContext(command, body);
}

/**
 * Runs `body` with a client of the API server, for commands that exist only there (account);
 * without flags, environment or a login it says how to log in.
 */
export async function withApi<T>(command: Command, body: (ctx: ApiContext) => Promise<T>): Promise<T> {
  const target = apiTargetOf(command);
  if (!target) {
    throw new CliError('not logged in: run tiphys login SERVER, or set TIPHYS_SERVER and TIPHYS_AUTH_TOKEN');
  }
  return withApiClient(command, target, body);
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

/**
 * Runs `body` with a connection to the control cluster and closes it afterwards, so an
 * in-process caller (tests, scripts) is not kept alive by idle keep-alive sockets.
 */
export async function withContext<T>(command: Command, body: (ctx: CliContext) => Promise<T>): Promise<T> {
  const options = globalOptions(command);
  // Loaded on use: the Kubernetes client is heavy and `tiphys --help` should not pay for it.
  const { loadKubeConfig } = await import('../adapters/kube/kubeconfig.ts');
  const { KubeRest } = await import('../adapters/kube/rest.ts');
  const rest = new KubeRest(loadKubeConfig(options.kubeconfig));
  try {
    return await body({
      rest,
      namespace: options.namespace,
      output: options.output ?? 'table',
      kubeconfig: options.kubeconfig,
    });
  } catch (error) {
    throw asCliError(error);
  } finally {
    rest.close();
  }
}

/**
 * A message a person can act on. A missing CRD (Tiphys not installed) is the usual cause of a 404
 * on a collection, so it says so instead of the API server's bare "the server could not find".
 */
export function asCliError(error: unknown): Error {
  if (!(error instanceof Error)) return new CliError(String(error));
  // The domain's refusals, with the flag or command that gets past them.
  if (error instanceof SecretExistsError || error instanceof ClusterExistsError) {
    return new CliError(`${error.message}; pass --upsert to replace it`);
  }
  if (error instanceof ClusterInUseError) return new CliError(`${error.message}, or pass --force`);
  if (error instanceof OperationPendingError) {
    return new CliError(`${error.message} (tiphys app wait ${error.application} --operation)`);
  }
  if (error.name === 'KubeApiError') {
    const status = apiStatus(error);
    if (status === 404 && /could not find the requested resource/.test(error.message)) {
      return new CliError(`${error.message}: is Tiphys installed in this cluster? (tiphys install)`);
    }
    if (status === 401) return new CliError(`${error.message}: the kubeconfig's credentials were refused`);
  }
  return error;
}

/**
 * One context of a kubeconfig, standing alone: certificate, key and token files are read into the
 * file, because the controller that uses it runs elsewhere and has none of those paths.
 */
export async function flattenKubeConfig(
  path: string,
  context?: string,
): Promise<{ text: string; server: string }> {
  // Loaded on use: the Kubernetes client is heavy and `tiphys --help` should not pay for it.
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    throw new CliError(
      `cannot read kubeconfig ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (context) {
    if (!kc.getContextObject(context)) throw new CliError(`kubeconfig ${path} has no context "${context}"`);
    kc.setCurrentContext(context);
  }
  const ctx = kc.getContextObject(kc.getCurrentContext());
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!ctx || !cluster)
    throw new CliError(`kubeconfig ${path}: no current context with a cluster; pass --context`);
  const fileData = (data: string | undefined | null, file: string | undefined | null) =>
    data || (file ? Buffer.from(readFileForKubeConfig(file, path)).toString('base64') : undefined);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': ctx.name,
    clusters: [
      {
        name: cluster.name,
        cluster: {
          server: cluster.server,
          'certificate-authority-data': fileData(cluster.caData, cluster.caFile),
          'insecure-skip-tls-verify': cluster.skipTLSVerify || undefined,
          'tls-server-name': cluster.tlsServerName,
          'proxy-url': cluster.proxyUrl,
        },
      },
    ],
    users: user
      ? [
          {
            name: user.name,
            user: {
              token: user.token,
              'client-certificate-data': fileData(user.certData, user.certFile),
              'client-key-data': fileData(user.keyData, user.keyFile),
              username: user.username,
              password: user.password,
              exec: user.exec,
              'auth-provider': user.authProvider,
              as: user.impersonateUser,
            },
          },
        ]
      : [],
    contexts: [
      { name: ctx.name, context: { cluster: cluster.name, user: user?.name, namespace: ctx.namespace } },
    ],
  };
  return { text: stringify(compact(config)), server: cluster.server };
}

/** Drops null and undefined members: the client reports absent kubeconfig fields as null. */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, compact(v)]),
  );
}

function readFileForKubeConfig(file: string, kubeconfig: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `kubeconfig ${kubeconfig}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}
