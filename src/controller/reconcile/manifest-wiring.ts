// Where the controller's manifests come from: Git (through the shared mirrors), charts and OCI
// artifacts (each cached in its folder of the controller's cache), with the repositories' and
// registries' credentials and the projects' SOPS keys from the control namespace.
import { join } from 'node:path';
import { ChartStore } from '../../adapters/charts/chart-store.ts';
import type { RepoCredentialStore } from '../../adapters/control-plane/repo-credential-store.ts';
import { SopsKeyStore } from '../../adapters/control-plane/sops-keys.ts';
import type { GitRepoCache } from '../../adapters/git/index.ts';
import type { KubeRest } from '../../adapters/kube/rest.ts';
import { ArtifactStore } from '../../adapters/registry/artifact-store.ts';
import { RenderCache } from '../../adapters/render/render.ts';
import type { ProjectSource } from '../../domain/comparison/ports.ts';
import { GitManifestSource } from '../../domain/comparison/source.ts';
import type { ControllerOptions } from '../controller-options.ts';

export function wireManifestSource(
  options: ControllerOptions,
  deps: {
    git: GitRepoCache;
    credentials: RepoCredentialStore;
    projects: ProjectSource;
    rest: KubeRest;
    cacheDir: string;
  },
): GitManifestSource {
  const { credentials } = deps;
  return new GitManifestSource({
    git: deps.git,
    renderCache: new RenderCache(),
    tools: options.tools,
    credentialsFor: (url) => credentials.forUrl(url),
    projects: deps.projects,
    charts: new ChartStore({
      cacheDir: join(deps.cacheDir, 'charts'),
      credentialsFor: (location) => credentials.forChart(location),
    }),
    artifacts: new ArtifactStore({
      cacheDir: join(deps.cacheDir, 'artifacts'),
      credentialsFor: (location) => credentials.forChart(location),
    }),
    sopsKeys: new SopsKeyStore(deps.rest, options.namespace),
  });
}
