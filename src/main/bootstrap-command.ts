// `tiphys bootstrap --repo URL --path P`: installs Tiphys into a new control cluster from Git.
// It installs the CRDs and namespace, applies the self-managing Application (Tiphys's own
// installation and every other app live at that path), and runs a controller in this process
// until that Application is synced; from then on the controller the path deployed takes over.
// Running it again changes nothing when the cluster already matches Git.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CONTROL_NAMESPACE } from '../core/model/common.ts';

interface BootstrapFlags {
  repo: string;
  path: string;
  revision: string;
  name: string;
  kubeconfig?: string;
  namespace: string;
  timeout: string;
  allowLocalRepos?: boolean;
}

export function registerBootstrapCommand(program: Command): Command {
  return program
    .command('bootstrap')
    .description(
      'install Tiphys into a new control cluster and hand it the repository that manages it (safe to run again)',
    )
    .requiredOption('--repo <url>', 'the configuration repository')
    .requiredOption(
      '--path <path>',
      "the folder with Tiphys's own installation and the Applications of every other app",
    )
    .option('--revision <revision>', 'branch, tag or commit', 'HEAD')
    .option('--name <name>', 'name of the self-managing Application', 'tiphys')
    .option(
      '--kubeconfig <path>',
      'kubeconfig of the new control cluster (default: $KUBECONFIG, then ~/.kube/config)',
    )
    .option('-n, --namespace <name>', 'control namespace', DEFAULT_CONTROL_NAMESPACE)
    .option('--timeout <seconds>', 'how long to wait for the first sync', positive, '300')
    .option('--allow-local-repos', 'allow a file:// repository (local development and tests only)')
    .action(async (flags: BootstrapFlags) => {
      const { installTiphys, loadKubeConfig } = await import('../adapters/kube/install.ts');
      const { KubeRest } = await import('../adapters/kube/rest.ts');
      const { ensureAdminAccount } = await import('../domain/accounts/admin-account.ts');
      const { applyBootstrapApplication, bootstrapApplication } = await import('../domain/bootstrap.ts');
      const installed = await installTiphys({ kubeconfigPath: flags.kubeconfig, namespace: flags.namespace });
      const kubeConfig = loadKubeConfig(flags.kubeconfig);
      await ensureAdminAccount(kubeConfig, installed.namespace);
      const rest = new KubeRest(kubeConfig);
      const cp = { rest, namespace: installed.namespace };
      try {
        const wanted = bootstrapApplication(cp.namespace, {
          name: flags.name,
          repoURL: flags.repo,
          path: flags.path,
          revision: flags.revision,
        });
        const { app, outcome } = await applyBootstrapApplication(cp, wanted);
        console.log(`application/${flags.name} ${outcome}`);
        if (app.status?.sync?.status === 'Synced') {
          console.log(`already in sync with ${flags.repo} ${flags.path}: nothing to do`);
          return;
        }
        await syncOnce(kubeConfig, cp, flags);
        console.log(
          `Tiphys is installed from ${flags.repo} ${flags.path}; the controller it deployed takes over`,
        );
      } finally {
        rest.close();
      }
    });
}

/** A controller in this process (behind the leader Lease) until the Application is synced. */
async function syncOnce(
  kubeConfig: import('@kubernetes/client-node').KubeConfig,
  cp: import('../domain/control-plane.ts').ControlPlane,
  flags: BootstrapFlags,
): Promise<void> {
  const { findTools } = await import('../adapters/render/render.ts');
  const { Controller } = await import('../controller/controller.ts');
  const { tiphysPath } = await import('../adapters/control-plane/paths.ts');
  const controller = new Controller({
    kubeConfig,
    namespace: cp.namespace,
    tools: findTools().tools,
    allowLocalRepos: flags.allowLocalRepos ?? false,
    identity: `tiphys-bootstrap-${process.pid}`,
  });
  await controller.start();
  const deadline = Date.now() + Number(flags.timeout) * 1000;
  try {
    for (;;) {
      const app = await cp.rest.request<import('../core/model/application.ts').Application>(
        'GET',
        tiphysPath(cp.namespace, 'applications', flags.name),
      );
      const running = app.operation !== undefined || app.status?.operationState?.phase === 'Running';
      if (app.status?.sync?.status === 'Synced' && !running) return;
      if (Date.now() > deadline) {
        const why =
          app.status?.conditions?.map((c) => c.message).join('; ') ||
          app.status?.operationState?.message ||
          'no status yet';
        throw new Error(`application ${flags.name} is not synced after ${flags.timeout} s: ${why}`);
      }
      await sleep(1_000);
    }
  } finally {
    await controller.stop();
  }
}

function positive(value: string): string {
  if (!(Number(value) > 0)) throw new InvalidArgumentError('a positive number of seconds');
  return value;
}
