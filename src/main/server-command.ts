import { readFileSync } from 'node:fs';
import { flushCompileCache } from 'node:module';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../cli/output.ts';
import { addLogLevelOption, createLogger, type LogLevel } from './logging.ts';
import { managedNamespaces } from './managed-namespaces.ts';
import { allowLocalRepos, runUntilSignal, webhookSecretsFromEnv } from './run-until-signal.ts';

interface ServerCommandOptions {
  kubeconfig?: string;
  namespace: string;
  port: string;
  address: string;
  tlsCert?: string;
  tlsKey?: string;
  uiDir?: string;
  cacheDir?: string;
  managedNamespaces?: string;
  withController?: boolean;
  trustProxy?: boolean;
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecret?: string;
  oidcRedirectUrl?: string;
  allowLocalRepos?: boolean;
  logLevel: LogLevel;
}

/** OpenID Connect settings from the flags, else the environment; undefined when none are set. */
export function oidcSettings(opts: ServerCommandOptions, env: NodeJS.ProcessEnv = process.env) {
  const issuer = opts.oidcIssuer ?? env.TIPHYS_OIDC_ISSUER;
  const clientId = opts.oidcClientId ?? env.TIPHYS_OIDC_CLIENT_ID;
  const clientSecret = opts.oidcClientSecret ?? env.TIPHYS_OIDC_CLIENT_SECRET;
  const redirectUrl = opts.oidcRedirectUrl ?? env.TIPHYS_OIDC_REDIRECT_URL;
  if (!issuer && !clientId && !redirectUrl) return undefined;
  if (!issuer || !clientId || !redirectUrl) {
    throw new CliError(
      'OpenID Connect needs --oidc-issuer, --oidc-client-id and --oidc-redirect-url together',
    );
  }
  return { issuer, clientId, redirectUrl, ...(clientSecret ? { clientSecret } : {}) };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`--port ${value}: not a port number`);
  return n;
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CliError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** `tiphys server`: the API server and web UI (optionally with the controller in the same process). */
export function registerServerCommand(program: Command): void {
  const command = program
    .command('server')
    .description('run the API server and web UI')
    .option('--kubeconfig <path>', 'kubeconfig of the control cluster (default: $KUBECONFIG, ~/.kube/config)')
    .option(
      '-n, --namespace <ns>',
      'control namespace (or TIPHYS_NAMESPACE)',
      process.env.TIPHYS_NAMESPACE || 'tiphys',
    )
    .option('--port <port>', 'port to listen on', '8080')
    .option('--address <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--managed-namespaces <list>',
      'namespaced mode: manage only the control namespace and these (comma-separated; or TIPHYS_MANAGED_NAMESPACES)',
      process.env.TIPHYS_MANAGED_NAMESPACES,
    )
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', 'private key of --tls-cert (PEM)')
    .option(
      '--cache-dir <path>',
      'private folder for Git mirrors and rendered manifests (or TIPHYS_CACHE_DIR; default: a fresh private temporary folder)',
      process.env.TIPHYS_CACHE_DIR,
    )
    .option('--ui-dir <dir>', 'folder of the built web UI (default: ui/dist of the installation)')
    .option('--with-controller', 'also run the controller in this process (a one-process demo)')
    .option(
      '--allow-local-repos',
      "let Applications use file:// URLs and local paths, which read this machine's disk: for local development and tests only (or TIPHYS_ALLOW_LOCAL_REPOS=true)",
    )
    .option(
      '--trust-proxy',
      'behind a TLS-terminating proxy: believe the X-Forwarded-Proto/-Host/-For headers of the peer (cookies become Secure); never without one, since any client could send them',
    )
    .option('--oidc-issuer <url>', 'OpenID Connect issuer (or TIPHYS_OIDC_ISSUER)')
    .option('--oidc-client-id <id>', 'OpenID Connect client ID (or TIPHYS_OIDC_CLIENT_ID)')
    .option('--oidc-client-secret <secret>', 'OpenID Connect client secret (or TIPHYS_OIDC_CLIENT_SECRET)')
    .option(
      '--oidc-redirect-url <url>',
      "this server's /auth/callback URL as the browser sees it (or TIPHYS_OIDC_REDIRECT_URL)",
    );
  addLogLevelOption(command).action(async (opts: ServerCommandOptions) => {
    if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey))
      throw new CliError('--tls-cert and --tls-key go together');
    const https =
      opts.tlsCert && opts.tlsKey
        ? { cert: readPem(opts.tlsCert, '--tls-cert'), key: readPem(opts.tlsKey, '--tls-key') }
        : undefined;
    const oidc = oidcSettings(opts);
    const namespaces = managedNamespaces(opts.managedNamespaces, opts.namespace);
    const listenPort = port(opts.port);
    // Loaded here so that `tiphys --help` stays fast.
    const { loadKubeConfig } = await import('../adapters/kube/kubeconfig.ts');
    const { ensureAdminAccount } = await import('../domain/accounts/admin-account.ts');
    const { createAuthService } = await import('../server/auth/index.ts');
    const { buildServer } = await import('../server/app.ts');
    const logger = await createLogger('tiphys-server', opts.logLevel);
    const log = (line: string) => logger.info(line);
    const kubeConfig = loadKubeConfig(opts.kubeconfig);
    const { findTools } = await import('../adapters/render/render.ts');
    const { tools, missing } = findTools();
    for (const line of missing) logger.warn(line);
    const localRepos = allowLocalRepos(opts);
    let controller: import('../controller/controller.ts').Controller | undefined;
    if (opts.withController) {
      const { Controller } = await import('../controller/controller.ts');
      // Custom health checks (Lua, CEL) from tiphys-cm, watched for the process's life: docs/health.md.
      const { HealthSettings } = await import('../adapters/health/health-settings.ts');
      const health = new HealthSettings(kubeConfig, opts.namespace, { log });
      await health.start();
      controller = new Controller({
        kubeConfig,
        namespace: opts.namespace,
        tools,
        log: logger,
        cacheDir: opts.cacheDir && join(opts.cacheDir, 'controller'),
        allowLocalRepos: localRepos,
        assessHealth: health.assess,
        namespaces,
      });
      await controller.start();
    }
    // First start of an installation from manifests: the admin account and the default project.
    const admin = await ensureAdminAccount(kubeConfig, opts.namespace);
    if (admin.created) log('admin account created; `tiphys admin initial-password` shows its password');
    const { ensureDefaultProject } = await import('../domain/projects/default-project.ts');
    if ((await ensureDefaultProject(kubeConfig, opts.namespace)).created)
      log('created the default AppProject');
    const auth = await createAuthService({ kubeConfig, namespace: opts.namespace, oidc, log });
    const server = await buildServer({
      kubeConfig,
      namespace: opts.namespace,
      auth,
      controller,
      tools,
      cacheDir: opts.cacheDir,
      namespaces,
      uiDir: opts.uiDir,
      https,
      trustProxy: opts.trustProxy === true,
      log: (line) => logger.warn(line),
      webhookSecrets: webhookSecretsFromEnv(),
      registryWebhookSecret: process.env.TIPHYS_WEBHOOK_REGISTRY_SECRET || undefined,
      allowLocalRepos: localRepos,
      requestLog: (entry) => logger[entry.level](entry.fields, 'request'),
    });
    const url = await server.listen({ port: listenPort, host: opts.address });
    logger.info(`serving the API and web UI on ${url}${controller ? ', with the controller' : ''}`);
    // As the controller does: the compile cache written once every module is loaded.
    flushCompileCache();
    await runUntilSignal(logger, async () => {
      await server.close();
      auth.close();
      await controller?.stop();
    });
  });
}
