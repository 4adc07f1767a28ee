// `tiphys admin initial-password`: shows the generated initial admin password once. The Secret
// holding it is deleted as it is shown, as Argo CD advises doing by hand; after that only its hash
// remains, and the command says the password is gone.
import type { Command } from 'commander';
import { DEFAULT_CONTROL_NAMESPACE } from '../core/model/common.ts';
import { withContext } from './kube-context.ts';
import { CliError } from './output.ts';

export function registerInitialPasswordCommand(adminCommand: Command): Command {
  const command = adminCommand
    .command('initial-password')
    .description(
      'print the initial admin password once, then delete it from the cluster (log in as "admin" ' +
        'with it, then change it)',
    )
    .option(
      '--kubeconfig <path>',
      'kubeconfig of the control cluster (default: $KUBECONFIG, then ~/.kube/config)',
    )
    .option('-n, --namespace <name>', 'control namespace', DEFAULT_CONTROL_NAMESPACE);
  command.action(async (_opts: unknown, self: Command) => {
    await withContext(self, async (ctx) => {
      // Loaded on use, like the Kubernetes client: `tiphys --help` should not pay for it.
      const { INITIAL_ADMIN_SECRET, takeInitialAdminPassword } = await import(
        '../domain/accounts/admin-account.ts'
      );
      const password = await takeInitialAdminPassword(ctx.rest, ctx.namespace);
      if (password === undefined) {
        throw new CliError(
          `the initial admin password is gone: Secret ${ctx.namespace}/${INITIAL_ADMIN_SECRET} was ` +
            'already shown and deleted, or Tiphys is not installed in this namespace',
        );
      }
      console.log(password);
    });
  });
  return command;
}
