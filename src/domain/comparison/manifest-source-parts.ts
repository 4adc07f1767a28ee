// Where a process's manifests come from: Git (through its mirrors), charts and OCI artifacts
// (each cached in its folder of the process's cache), with the repositories' and registries'
// credentials and the projects' SOPS keys from the control namespace. The controller and the API
// server's render service build theirs here, so both read sources the same way.
import { join } from 'node:path';
import { ChartStore } from '../../adapters/charts/chart-store.ts';
import type { RepoCredentialStore } from '../../adapters/control-plane/repo-credential-store.ts';
import { SopsKeyStore } from '../../adapters/control-plane/sops-keys.ts';
import type { GitRepoCache } from '../../adapters/git/index.ts';
import type { KubeRest } from '../../adapters/kube/rest.ts';
import { ArtifactStore } from '../../adapters/registry/artifact-store.ts';
import { RenderCache, type RenderTools } from '../../adapters/render/render.ts';
import type { ProjectSource } from './ports.ts';
import { GitManifestSource } from './source.ts';

export function manifestSourceFor(deps: {
  git: GitRepoCache;
  credentials: RepoCredentialStore;
  projects: ProjectSource;
  tools: RenderTools;
  rest: KubeRest;
  namespace: string;
  cacheDir: string;
}): GitManifestSource {
  const { credentials } = deps;
  return new GitManifestSource({
    git: deps.git,
    renderCache: new RenderCache(),
    tools: deps.tools,
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
    sopsKeys: new SopsKeyStore(deps.rest, deps.namespace),
  });
}
