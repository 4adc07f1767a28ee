// `tiphys import argocd`: Argo CD's Applications, AppProjects, ApplicationSets, repository and
// cluster Secrets and argocd-rbac-cm, from files (kubectl get -o yaml, an export) or from the
// Argo CD cluster itself, written into the control namespace as Tiphys objects. What cannot be
// translated is listed with its reasons (exit 3); Secret values are never printed.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_CONTROL_NAMESPACE } from '../core/model/common.ts';
import { EXIT } from './exit-codes.ts';
import { withContext } from './kube-context.ts';
import { CliError, collect, exitWith } from './output.ts';

interface ImportFlags {
  file?: string[];
  fromKubeconfig?: string;
  fromContext?: string;
  argocdNamespace: string;
  allNamespaces?: boolean;
  dryRun?: boolean;
  overwrite?: boolean;
}

async function readSources(flags: ImportFlags) {
  const { parseManifests } = await import('../core/manifest/parse.ts');
  const objects = [];
  for (const file of flags.file ?? []) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(
        `--file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
    try {
      objects.push(...parseManifests(text, file));
    } catch (error) {
      throw new CliError(`--file ${file}: ${(error as Error).message}; nothing was imported`);
    }
  }
  if (flags.fromKubeconfig) {
    const { loadKubeConfig } = await import('../adapters/kube/kubeconfig.ts');
    const { KubeRest } = await import('../adapters/kube/rest.ts');
    const { readArgoInstallation } = await import('../domain/argocd-import/read-live.ts');
    const config = loadKubeConfig(flags.fromKubeconfig);
    if (flags.fromContext) config.setCurrentContext(flags.fromContext);
    const rest = new KubeRest(config);
    try {
      objects.push(
        ...(await readArgoInstallation(rest, flags.argocdNamespace, {
          allNamespaces: flags.allNamespaces === true,
        })),
      );
    } catch (error) {
      throw new CliError(`reading Argo CD from ${flags.fromKubeconfig}: ${(error as Error).message}`);
    } finally {
      rest.close();
    }
  }
  return objects;
}

export function registerImportCommands(program: Command): void {
  const group = program.command('import').description("bring another tool's configuration into Tiphys");
  group
    .command('argocd')
    .description(
      'translate Argo CD Applications, AppProjects, ApplicationSets, repository/cluster Secrets and argocd-rbac-cm into Tiphys objects',
    )
    .option('-f, --file <file>', 'YAML or JSON of Argo CD objects (repeatable; List documents too)', collect)
    .option('--from-kubeconfig <path>', 'read the objects from the Argo CD cluster of this kubeconfig')
    .option('--from-context <name>', 'context of --from-kubeconfig (default: its current context)')
    .option('--argocd-namespace <name>', 'the namespace Argo CD runs in', 'argocd')
    .option(
      '--all-namespaces',
      "with --from-kubeconfig: Applications of every namespace (Argo CD's apps in any namespace)",
    )
    .option('--dry-run', 'print what would be written; write nothing')
    .option(
      '--overwrite',
      'replace Tiphys objects and Secrets that exist and differ (default: refuse, write nothing)',
    )
    .option(
      '--kubeconfig <path>',
      'kubeconfig of the Tiphys control cluster (default: $KUBECONFIG, then ~/.kube/config)',
    )
    .option('-n, --namespace <name>', 'control namespace', DEFAULT_CONTROL_NAMESPACE)
    .action(async (flags: ImportFlags, self: Command) => {
      if (!flags.file && !flags.fromKubeconfig) throw new CliError('give --file or --from-kubeconfig');
      const objects = await readSources(flags);
      const { planImport, describePlan } = await import('../domain/argocd-import/plan.ts');
      const { applyImport, readImportTarget } = await import('../domain/argocd-import/apply.ts');
      const refused = await withContext(self, async (ctx) => {
        const plan = planImport(objects, await readImportTarget(ctx, flags.argocdNamespace));
        for (const line of describePlan(plan, flags.dryRun ? 'would write' : 'to write')) console.log(line);
        if (!flags.dryRun) {
          const result = await applyImport(ctx, plan, { overwrite: flags.overwrite === true });
          console.log(
            `imported into namespace ${ctx.namespace}: ${result.created.length} created, ${result.replaced.length} replaced, ${result.unchanged.length} unchanged`,
          );
        }
        return plan.refused.length;
      });
      if (refused > 0) {
        console.error(`error: ${refused} Argo CD object(s) not imported (listed above)`);
        exitWith(EXIT.failed);
      }
    });
}
