import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CONTROL_NAMESPACE } from '../core/model/common.ts';

interface InstallFlags {
  kubeconfig?: string;
  namespace: string;
  timeout: number;
}

/** `tiphys install`: puts the CRDs, the control namespace and the default AppProject in a cluster. */
export function registerInstallCommand(program: Command): Command {
  return program
    .command('install')
    .description(
      'install the Tiphys CRDs, control namespace and default AppProject into the cluster of the current kubeconfig context (safe to run again)',
    )
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('-n, --namespace <name>', 'control namespace', namespaceName, DEFAULT_CONTROL_NAMESPACE)
    .option('--timeout <seconds>', 'how long to wait for the CRDs to be served', seconds, 60)
    .action(async (flags: InstallFlags) => {
      // Loaded on use: the Kubernetes client is heavy and most commands never touch a cluster.
      const { installTiphys } = await import('../adapters/kube/install.ts');
      const result = await installTiphys({
        kubeconfigPath: flags.kubeconfig,
        namespace: flags.namespace,
        timeoutMs: flags.timeout * 1000,
        log: (line) => console.log(line),
      });
      // The local admin account: its initial password is generated here, stored hashed, and
      // revealed once by `tiphys admin initial-password`.
      const { loadKubeConfig } = await import('../adapters/kube/kubeconfig.ts');
      const { ensureAdminAccount } = await import('../domain/accounts/admin-account.ts');
      const admin = await ensureAdminAccount(loadKubeConfig(flags.kubeconfig), result.namespace);
      if (admin.created)
        console.log('admin account created: see its password with `tiphys admin initial-password`');
      console.log(`Tiphys is installed in namespace ${result.namespace} of ${result.server}`);
    });
}

function namespaceName(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) {
    throw new InvalidArgumentError('a namespace is a DNS label: lowercase letters, digits and -, at most 63');
  }
  return value;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number of seconds');
  return n;
}
