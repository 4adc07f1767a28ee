// `tiphys admin export` and `tiphys admin import`: the control plane's Tiphys resources and
// credential Secrets in one file encrypted to age recipients, and back into a fresh control
// cluster (docs/recovery.md). Both talk to the control cluster with a kubeconfig: the file holds
// every credential, which no API route hands out.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_CONTROL_NAMESPACE } from '../core/model/common.ts';
import { withContext } from './kube-context.ts';
import { CliError, collect } from './output.ts';

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `${what}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

export function registerAdminBackupCommands(adminCommand: Command): void {
  const common = (command: Command) =>
    command
      .option(
        '--kubeconfig <path>',
        'kubeconfig of the control cluster (default: $KUBECONFIG, then ~/.kube/config)',
      )
      .option('-n, --namespace <name>', 'control namespace', DEFAULT_CONTROL_NAMESPACE);
  common(
    adminCommand
      .command('export')
      .description(
        'write every Tiphys resource and credential Secret to one file encrypted to age recipients',
      )
      .requiredOption('-r, --recipient <age1…>', 'age recipient (repeatable)', collect)
      .requiredOption('-o, --output <file>', 'the encrypted file to write (mode 0600)'),
  ).action(async (flags: { recipient: string[]; output: string }, self: Command) => {
    await withContext(self, async (ctx) => {
      const { exportControlPlane } = await import('../domain/backup.ts');
      const { encryptToRecipients } = await import('../adapters/backup/age-file.ts');
      const bundle = await exportControlPlane(ctx);
      const armored = await encryptToRecipients(JSON.stringify(bundle), flags.recipient).catch(
        (error: Error) => {
          throw new CliError(error.message);
        },
      );
      writeFileSync(flags.output, armored, { mode: 0o600 });
      console.log(
        `exported ${bundle.items.length} object(s) of namespace ${ctx.namespace} to ${flags.output}`,
      );
    });
  });
  common(
    adminCommand
      .command('import')
      .description('restore an export into a fresh control cluster (before its controller starts)')
      .requiredOption('-f, --file <file>', 'the encrypted export')
      .requiredOption('-i, --identity <file>', 'age identity file (AGE-SECRET-KEY-1…)'),
  ).action(async (flags: { file: string; identity: string }, self: Command) => {
    await withContext(self, async (ctx) => {
      const { decryptWithIdentities, identitiesOf } = await import('../adapters/backup/age-file.ts');
      const { parseBundle } = await import('../core/backup/bundle.ts');
      const { importControlPlane } = await import('../domain/backup.ts');
      // Decrypted and checked whole before anything is written: a refused file imports nothing.
      const text = await decryptWithIdentities(
        read(flags.file, '--file'),
        identitiesOf(read(flags.identity, '--identity')),
        flags.file,
      ).catch((error: Error) => {
        throw new CliError(error.message);
      });
      const bundle = (() => {
        try {
          return parseBundle(text, flags.file);
        } catch (error) {
          throw new CliError((error as Error).message);
        }
      })();
      const { created } = await importControlPlane(ctx, bundle);
      console.log(
        `imported ${created} object(s) into namespace ${ctx.namespace} (exported ${bundle.exportedAt} from ${bundle.namespace})`,
      );
    });
  });
}
