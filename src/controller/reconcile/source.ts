import type { GitCredentials, GitRepoCache } from '../../adapters/git/index.ts';
import {
  assertRemoteSourcesAllowed,
  cachedRender,
  type RenderCache,
  type RenderResult,
  type RenderTools,
  renderCacheKey,
  renderManifests,
} from '../../adapters/render/render.ts';
import type { ResolvedApplication } from '../../core/model/application.ts';

export interface SourceDeps {
  git: GitRepoCache;
  renderCache: RenderCache;
  tools: RenderTools;
  credentialsFor: (repoURL: string) => Promise<GitCredentials | undefined>;
  /**
   * The remote sources the app's project allows (its sourceRepos), for Kustomize remote bases.
   * Asked only when a render runs or a cached one fetched something remote; absent: none.
   */
  remoteSourcesFor?: (app: ResolvedApplication) => Promise<readonly string[]>;
}

/** The commit a revision (branch, tag, SHA, HEAD) points at now. */
export async function resolveRevision(deps: SourceDeps, repoURL: string, revision: string): Promise<string> {
  return deps.git.resolveRevision(repoURL, revision, await deps.credentialsFor(repoURL));
}

/**
 * The manifests of the app's source at one commit. Rendering is cached by (repo, commit, path,
 * options, destination namespace and version), so reconciles of an unchanged commit cost nothing.
 */
export async function renderSource(
  deps: SourceDeps,
  app: ResolvedApplication,
  commit: string,
  kubeVersion: string | undefined,
): Promise<RenderResult> {
  const { source, destination } = app.spec;
  const key = renderCacheKey({
    repoURL: source.repoURL,
    commit,
    path: source.path,
    source: { directory: source.directory, kustomize: source.kustomize, helm: source.helm },
    appName: app.metadata.name,
    namespace: destination.namespace,
    kubeVersion,
  });
  const allowed = () => deps.remoteSourcesFor?.(app) ?? Promise.resolve([]);
  let checked = false;
  const result = await cachedRender(deps.renderCache, key, async () => {
    const repoDir = await deps.git.checkout(
      source.repoURL,
      commit,
      await deps.credentialsFor(source.repoURL),
    );
    checked = true;
    return renderManifests({
      repoDir,
      path: source.path,
      source: { directory: source.directory, kustomize: source.kustomize, helm: source.helm },
      appName: app.metadata.name,
      namespace: destination.namespace,
      kubeVersion,
      tools: deps.tools,
      remoteSources: await allowed(),
    });
  });
  // A render cached under another project (or before the project changed) may have fetched what
  // the project no longer allows.
  if (!checked && result.remoteSources?.length)
    assertRemoteSourcesAllowed(result.remoteSources, await allowed());
  return result;
}
