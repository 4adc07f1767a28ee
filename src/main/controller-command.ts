import { randomBytes } from 'node:crypto';
import { flushCompileCache } from 'node:module';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { addLogLevelOption, createLogger, type LogLevel } from './logging.ts';
import { managedNamespaces } from './managed-namespaces.ts';
import { allowLocalRepos, runUntilSignal, webhookSecretsFromEnv } from './run-until-signal.ts';

interface ControllerCommandOptions {
  kubeconfig?: string;
  namespace: string;
  port: string;
  address: string;
  pollInterval: string;
  leaderElection: boolean;
  shards?: boolean;
  leaseDuration: string;
  identity?: string;
  concurrency: string;
  cacheDir?: string;
  checkoutMaxAge: string;
  maxCheckouts: string;
  maxFolderCheckouts: string;
  allowLocalRepos?: boolean;
  managedNamespaces?: string;
  recoveryActions?: string;
  clusterProbeInterval: string;
  logLevel: LogLevel;
}

/** `tiphys controller`: runs the GitOps controller until SIGINT or SIGTERM. */
export function registerControllerCommand(program: Command): void {
  const command = program
    .command('controller')
    .description('run the GitOps controller (reconciles Applications, syncs, self-heals)')
    .option('--kubeconfig <path>', 'kubeconfig of the control cluster (default: $KUBECONFIG, ~/.kube/config)')
    .option(
      '-n, --namespace <ns>',
      'control namespace (or TIPHYS_NAMESPACE)',
      process.env.TIPHYS_NAMESPACE || 'tiphys',
    )
    .option('--port <port>', 'port of /metrics, /healthz and /webhook', '8081')
    .option('--address <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--managed-namespaces <list>',
      'namespaced mode: manage only the control namespace and these (comma-separated; or TIPHYS_MANAGED_NAMESPACES)',
      process.env.TIPHYS_MANAGED_NAMESPACES,
    )
    .option(
      '--recovery-actions <file>',
      'YAML of the recovery actions Clusters may name in spec.recovery.action (docs/recovery.md; or TIPHYS_RECOVERY_ACTIONS)',
      process.env.TIPHYS_RECOVERY_ACTIONS,
    )
    .option('--cluster-probe-interval <seconds>', 'how often each registered cluster is probed', '30')
    .option(
      '--poll-interval <seconds>',
      'how often each repository is polled (Git, chart and artifact registries)',
      '180',
    )
    .option('--no-leader-election', 'act at once instead of competing for the leader Lease')
    .option(
      '--shards',
      'run as one of several replicas that split the clusters: each reconciles the apps of the clusters it owns (or TIPHYS_SHARDING=true; docs/fleet.md)',
    )
    .option(
      '--lease-duration <seconds>',
      'duration of the leader and shard Leases: how soon a dead replica is replaced',
      '15',
    )
    .option(
      '--identity <name>',
      "this replica's name in the Leases (or TIPHYS_IDENTITY; default: host name, process id and a random suffix)",
      process.env.TIPHYS_IDENTITY,
    )
    .option('--concurrency <n>', 'parallel reconciles', '10')
    .option(
      '--cache-dir <path>',
      'private folder for Git mirrors and checkouts (or TIPHYS_CACHE_DIR; default: a fresh private temporary folder)',
      process.env.TIPHYS_CACHE_DIR,
    )
    .option(
      '--checkout-max-age <seconds>',
      'Git checkouts unused for longer are removed (never one a render reads, nor the latest commit of a tracked revision)',
      '3600',
    )
    .option('--max-checkouts <n>', 'whole-commit Git checkouts kept at most, beyond those in use', '32')
    .option(
      '--max-folder-checkouts <n>',
      'single-folder Git checkouts kept at most, beyond those in use',
      '1024',
    )
    .option(
      '--allow-local-repos',
      "let Applications use file:// URLs and local paths, which read this machine's disk: for local development and tests only (or TIPHYS_ALLOW_LOCAL_REPOS=true)",
    );
  addLogLevelOption(command).action(async (opts: ControllerCommandOptions) => {
    // Loaded here so that `tiphys --help` stays fast.
    const { loadKubeConfig } = await import('../adapters/kube/kubeconfig.ts');
    const { findTools } = await import('../adapters/render/render.ts');
    const { Controller } = await import('../controller/controller.ts');
    const { HealthSettings } = await import('../adapters/health/health-settings.ts');
    const { controllerHttp } = await import('../controller/http.ts');
    const logger = await createLogger('tiphys-controller', opts.logLevel);
    const { tools, missing } = findTools();
    // Said once at start, not only on each app that needs the tool.
    for (const line of missing) logger.warn(line);
    const kubeConfig = loadKubeConfig(opts.kubeconfig);
    const recoveryActions = opts.recoveryActions
      ? (await import('../core/model/recovery-actions.ts')).parseRecoveryActions(
          (await import('node:fs')).readFileSync(opts.recoveryActions, 'utf8'),
          opts.recoveryActions,
        )
      : undefined;
    // Custom health checks (Lua, CEL) from tiphys-cm, watched: docs/health.md.
    const health = new HealthSettings(kubeConfig, opts.namespace, {
      log: (message) => logger.info(message),
    });
    await health.start();
    const controller = new Controller({
      kubeConfig,
      namespace: opts.namespace,
      assessHealth: health.assess,
      tools,
      cacheDir: opts.cacheDir,
      allowLocalRepos: allowLocalRepos(opts),
      gitCheckouts: checkoutLimitsOf(opts),
      namespaces: managedNamespaces(opts.managedNamespaces, opts.namespace),
      pollIntervalMs: Number(opts.pollInterval) * 1000,
      recoveryActions,
      clusterProbeIntervalMs: Number(opts.clusterProbeInterval) * 1000,
      concurrency: Number(opts.concurrency),
      leaderElection: opts.leaderElection,
      sharding: opts.shards === true || process.env.TIPHYS_SHARDING === 'true',
      leaseDurationSeconds: leaseDurationOf(opts.leaseDuration),
      insecureRegistries: (process.env.TIPHYS_INSECURE_REGISTRIES ?? '').split(',').filter(Boolean),
      // The Pod's name (its hostname) in the Lease says which replica leads.
      identity: opts.identity || `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
      log: logger,
    });
    const http = controllerHttp(controller, {
      webhookSecrets: webhookSecretsFromEnv(),
      registryWebhookSecret: process.env.TIPHYS_WEBHOOK_REGISTRY_SECRET || undefined,
    });
    await controller.start();
    const url = await http.listen({ port: Number(opts.port), host: opts.address });
    logger.info(`controller serving /metrics, /healthz and /webhook on ${url}`);
    // Every module is loaded now: the compile cache is written here, not only at exit, so a
    // restarted container skips TypeScript stripping (bin/tiphys.mjs).
    flushCompileCache();
    await runUntilSignal(logger, async () => {
      await http.close();
      await controller.stop();
      await health.stop();
    });
  });
}

/** `--lease-duration`: whole seconds, 3 or more (a renewal every 2 s must fit in it). */
function leaseDurationOf(text: string): number {
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 3) {
    throw new Error(`--lease-duration ${text}: give whole seconds, 3 or more (renewals come every 2 s)`);
  }
  return seconds;
}

/** `--checkout-max-age`, `--max-checkouts`, `--max-folder-checkouts`: whole numbers, 0 or more. */
function checkoutLimitsOf(opts: ControllerCommandOptions) {
  const count = (flag: string, text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} ${text}: give a whole number, 0 or more`);
    return n;
  };
  return {
    maxAgeMs: count('--checkout-max-age', opts.checkoutMaxAge) * 1000,
    maxCommits: count('--max-checkouts', opts.maxCheckouts),
    maxFolders: count('--max-folder-checkouts', opts.maxFolderCheckouts),
  };
}
