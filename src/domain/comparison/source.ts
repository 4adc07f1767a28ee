import type { ChartStore } from '../../adapters/charts/chart-store.ts';
import type { GitCredentials, GitRepoCache } from '../../adapters/git/index.ts';
import { renderHelmArchive } from '../../adapters/render/helm-archive.ts';
import {
  assertRemoteSourcesAllowed,
  cachedRender,
  type RenderCache,
  type RenderTools,
  renderCacheKey,
  renderManifests,
} from '../../adapters/render/render.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { ResolvedApplication } from '../../core/model/application.ts';
import type { ManifestSource, ProjectSource } from './ports.ts';

export interface GitSourceDeps {
  git: GitRepoCache;
  renderCache: RenderCache;
  tools: RenderTools;
  credentialsFor: (repoURL: string) => Promise<GitCredentials | undefined>;
  /**
   * The AppProjects, whose sourceRepos say which remote sources (Kustomize remote bases) an app
   * may fetch. Asked only when a render runs or a cached one fetched something remote; absent:
   * none are allowed.
   */
  projects?: ProjectSource;
  /** Charts from chart repositories and registries (`spec.source.chart`); absent: refused. */
  charts?: ChartStore;
}

/**
 * Manifests from Git: revisions resolved through the mirror cache (`git ls-remote`), renders
 * cached by (repo, commit, path, options, destination namespace and version), so reconciles of
 * an unchanged commit cost nothing.
 */
export class GitManifestSource implements ManifestSource {
  private readonly deps: GitSourceDeps;

  constructor(deps: GitSourceDeps) {
    this.deps = deps;
  }

  /**
   * The commit a revision (branch, tag, SHA, HEAD) points at now; for a chart, the highest
   * version the revision (a version or semver range) allows, as `VERSION@sha256:DIGEST`.
   */
  async resolveRevision(source: { repoURL: string; chart?: string }, revision: string): Promise<string> {
    if (source.chart !== undefined) return this.chartStore().resolve(source.repoURL, source.chart, revision);
    const { repoURL } = source;
    return this.deps.git.resolveRevision(repoURL, revision, await this.deps.credentialsFor(repoURL));
  }

  private chartStore(): ChartStore {
    if (!this.deps.charts) throw new Error('charts from chart repositories are not available here');
    return this.deps.charts;
  }

  async render(
    app: ResolvedApplication,
    commit: string,
    kubeVersion: string | undefined,
  ): Promise<KubeObject[]> {
    const deps = this.deps;
    const { source, destination } = app.spec;
    if (source.chart !== undefined) return this.renderChart(app, source.chart, commit, kubeVersion);
    const options = { directory: source.directory, kustomize: source.kustomize, helm: source.helm };
    const key = renderCacheKey({
      repoURL: source.repoURL,
      commit,
      path: source.path,
      source: options,
      appName: app.metadata.name,
      namespace: destination.namespace,
      kubeVersion,
    });
    const allowed = async () => (await deps.projects?.fetchProject(app.spec.project))?.spec.sourceRepos ?? [];
    let checked = false;
    const rendered = await cachedRender(deps.renderCache, key, async () => {
      const repoDir = await deps.git.checkout(
        source.repoURL,
        commit,
        await deps.credentialsFor(source.repoURL),
      );
      checked = true;
      return renderManifests({
        repoDir,
        path: source.path,
        source: options,
        appName: app.metadata.name,
        namespace: destination.namespace,
        kubeVersion,
        tools: deps.tools,
        remoteSources: await allowed(),
      });
    });
    // A render cached under another project (or before the project changed) may have fetched
    // what the project no longer allows.
    if (!checked && rendered.remoteSources?.length)
      assertRemoteSourcesAllowed(rendered.remoteSources, await allowed());
    return rendered.objects as KubeObject[];
  }

  /** A chart from a chart repository or registry, cached by its digest (in the revision). */
  private async renderChart(
    app: ResolvedApplication,
    chart: string,
    revision: string,
    kubeVersion: string | undefined,
  ): Promise<KubeObject[]> {
    const { source, destination } = app.spec;
    const key = renderCacheKey({
      repoURL: `${source.repoURL}#${chart}`,
      commit: revision,
      path: '.',
      source: { helm: source.helm },
      appName: app.metadata.name,
      namespace: destination.namespace,
      kubeVersion,
    });
    const rendered = await cachedRender(this.deps.renderCache, key, async () => {
      const fetched = await this.chartStore().fetch(source.repoURL, chart, revision);
      const objects = await renderHelmArchive({
        archive: fetched.path,
        label: `chart ${chart} ${revision}`,
        helm: source.helm,
        appName: app.metadata.name,
        namespace: destination.namespace,
        kubeVersion,
        tools: this.deps.tools,
      });
      return { renderer: 'helm', objects };
    });
    return rendered.objects as KubeObject[];
  }
}
