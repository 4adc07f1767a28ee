// `tiphys app diff` without an API server: one comparison from the kubeconfig's cluster, with a
// Git mirror of its own that lives as long as the command.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { ChartStore } from '../../adapters/charts/chart-store.ts';
import { ApplicationStore } from '../../adapters/control-plane/application-store.ts';
import { DestinationRegistry } from '../../adapters/control-plane/destination-registry.ts';
import { RepoCredentialStore } from '../../adapters/control-plane/repo-credential-store.ts';
import { SopsKeyStore } from '../../adapters/control-plane/sops-keys.ts';
import { GitRepoCache } from '../../adapters/git/index.ts';
import { KubeRest } from '../../adapters/kube/rest.ts';
import { ArtifactStore } from '../../adapters/registry/artifact-store.ts';
import { RenderCache, resolveTools } from '../../adapters/render/render.ts';
import { withDefaults } from '../../core/model/application.ts';
import { type AppDiff, appDiffOf } from './app-diff.ts';
import { argoApplicationContext } from './argo-applications.ts';
import { ComparisonService } from './comparison-service.ts';
import { GitManifestSource } from './source.ts';

/**
 * What a sync of the Application would change, computed by the controller's own comparison
 * (render the target revision, check it against the project, server-side dry run). With
 * `revision`, what merging that revision of the app's repository would change (a preview).
 */
export async function diffApplication(
  kc: KubeConfig,
  namespace: string,
  name: string,
  options: { allowLocalRepos?: boolean; revision?: string } = {},
): Promise<AppDiff> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'tiphys-diff-'));
  const apps = new ApplicationStore(kc, namespace);
  const destinations = new DestinationRegistry(kc, namespace, () => () => {});
  const rest = new KubeRest(kc);
  try {
    const stored = await apps.fetch(name);
    if (!stored) throw new Error(`application "${name}" not found in namespace ${namespace}`);
    const app = withDefaults(stored);
    const credentials = new RepoCredentialStore(kc, namespace);
    const service = new ComparisonService({
      source: new GitManifestSource({
        git: new GitRepoCache({ cacheDir, allowLocalRepos: options.allowLocalRepos }),
        renderCache: new RenderCache(),
        tools: resolveTools(),
        credentialsFor: (url) => credentials.forUrl(url),
        projects: apps,
        charts: new ChartStore({
          cacheDir: join(cacheDir, 'charts'),
          credentialsFor: (location) => credentials.forChart(location),
        }),
        artifacts: new ArtifactStore({
          cacheDir: join(cacheDir, 'artifacts'),
          credentialsFor: (location) => credentials.forChart(location),
        }),
        sopsKeys: new SopsKeyStore(rest, namespace),
      }),
      projects: apps,
      argoApplications: argoApplicationContext({ rest, namespace }),
    });
    const { desired, comparison } = await service.compareApp(
      app,
      await destinations.get(app.spec.destination.cluster),
      { revision: options.revision },
    );
    return appDiffOf(desired.revision, comparison);
  } finally {
    rest.close();
    await apps.stop();
    await destinations.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
