import { join } from 'node:path';
import type { ChartStore } from '../../adapters/charts/chart-store.ts';
import type { SopsKeySource } from '../../adapters/control-plane/sops-keys.ts';
import type {
  CheckoutLease,
  GitCredentials,
  GitRepoCache,
  ResolveOptions,
} from '../../adapters/git/index.ts';
import type { ArtifactStore } from '../../adapters/registry/artifact-store.ts';
import { renderHelmArchive } from '../../adapters/render/helm-archive.ts';
import {
  assertRemoteSourcesAllowed,
  cachedRender,
  detectRenderer,
  type RenderCache,
  type RenderTools,
  renderCacheKey,
  renderManifests,
  treeRenderKey,
} from '../../adapters/render/render.ts';
import { decryptSopsObject, isSopsEncrypted, SopsError } from '../../adapters/sops/decrypt.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { isRefOnly, splitRevisions, valueFileRef } from '../../core/model/app-sources.ts';
import type { ResolvedApplication, ResolvedSource } from '../../core/model/application.ts';
import { isArtifactSource } from '../../core/oci/artifact-source.ts';
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
  /** Manifests pushed to registries as OCI artifacts (`oci://` without chart); absent: refused. */
  artifacts?: ArtifactStore;
  /** Age keys of each project, for SOPS-encrypted Secrets; absent: such a document is refused. */
  sopsKeys?: SopsKeySource;
}

/** Folders of one commit checked out alone before the whole commit is (see folderCheckout). */
const FOLDERS_BEFORE_WHOLE_CHECKOUT = 4;

/**
 * Manifests from Git: revisions resolved through the mirror cache (`git ls-remote`), renders
 * cached by (repo, commit, path, options, destination namespace and version), so reconciles of
 * an unchanged commit cost nothing.
 */
export class GitManifestSource implements ManifestSource {
  private readonly deps: GitSourceDeps;
  /** Folder checkouts made per recent commit (see folderCheckout). */
  private readonly foldersOfCommit = new Map<string, number>();

  constructor(deps: GitSourceDeps) {
    this.deps = deps;
  }

  /**
   * The commit a revision (branch, tag, SHA, HEAD) points at now; for a chart, the highest
   * version the revision (a version or semver range) allows, as `VERSION@sha256:DIGEST`.
   */
  async resolveRevision(
    source: { repoURL: string; chart?: string },
    revision: string,
    options: ResolveOptions = {},
  ): Promise<string> {
    if (source.chart !== undefined) return this.chartStore().resolve(source.repoURL, source.chart, revision);
    if (isArtifactSource(source)) return this.artifactStore().resolve(source.repoURL, revision);
    const { repoURL } = source;
    return this.deps.git.resolveRevision(repoURL, revision, await this.deps.credentialsFor(repoURL), options);
  }

  private artifactStore(): ArtifactStore {
    if (!this.deps.artifacts) throw new Error('OCI artifacts are not available here');
    return this.deps.artifacts;
  }

  private chartStore(): ChartStore {
    if (!this.deps.charts) throw new Error('charts from chart repositories are not available here');
    return this.deps.charts;
  }

  /**
   * The app's objects at a revision. An app of several sources renders each source that renders
   * (a ref source without a path only lends its files) at its own part of the revision, in
   * order, and joins the objects; helm value files `$REF/…` read the ref source's checkout.
   */
  async render(
    app: ResolvedApplication,
    commit: string,
    kubeVersion: string | undefined,
  ): Promise<KubeObject[]> {
    return this.decrypt(app, await this.renderAll(app, commit, kubeVersion));
  }

  /**
   * SOPS documents decrypted after the render, outside the render cache (which keeps only what
   * Git holds): plain values live only in the objects handed to the comparison. Only a Secret
   * may be encrypted: Secrets are the kind every diff and view masks.
   */
  private async decrypt(app: ResolvedApplication, objects: KubeObject[]): Promise<KubeObject[]> {
    if (!objects.some(isSopsEncrypted)) return objects;
    assertOneDocumentPerSopsFile(objects.filter(isSopsEncrypted));
    const identities = (await this.deps.sopsKeys?.identitiesFor(app.spec.project)) ?? [];
    return Promise.all(
      objects.map(async (obj) => {
        if (!isSopsEncrypted(obj)) return obj;
        const label = `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`;
        if (obj.kind !== 'Secret' || obj.apiVersion !== 'v1')
          throw new SopsError(
            `${label}: only a Secret (v1) may be SOPS-encrypted: its values are masked in every diff and view`,
          );
        return decryptSopsObject(obj, identities, label);
      }),
    );
  }

  private async renderAll(
    app: ResolvedApplication,
    commit: string,
    kubeVersion: string | undefined,
  ): Promise<KubeObject[]> {
    const sources = app.spec.sources;
    if (!sources) return this.renderSource(app, app.spec.source, commit, kubeVersion, {});
    const revisions = splitRevisions(commit, sources.length);
    const refs: ValueRefs = {};
    // The ref sources' checkouts are read by the renders of the other sources: held until the last.
    const leases: CheckoutLease[] = [];
    try {
      for (const [i, source] of sources.entries()) {
        if (source.ref === undefined || source.chart !== undefined) continue;
        const lease = await this.deps.git.leaseCheckout(
          source.repoURL,
          revisions[i],
          await this.deps.credentialsFor(source.repoURL),
        );
        leases.push(lease);
        refs[source.ref] = { dir: lease.dir, id: `${source.repoURL}@${revisions[i]}` };
      }
      const objects: KubeObject[] = [];
      for (const [i, source] of sources.entries()) {
        if (isRefOnly(source)) continue;
        objects.push(...(await this.renderSource(app, source, revisions[i], kubeVersion, refs)));
      }
      return objects;
    } finally {
      for (const lease of leases) lease.release();
    }
  }

  private renderSource(
    app: ResolvedApplication,
    source: ResolvedSource,
    revision: string,
    kubeVersion: string | undefined,
    refs: ValueRefs,
  ): Promise<KubeObject[]> {
    if (source.chart !== undefined)
      return this.renderChart(app, source, source.chart, revision, kubeVersion, refs);
    // An artifact's files render as a Git checkout's do (directory, Kustomize, Helm, Jsonnet).
    if (isArtifactSource(source))
      return this.renderTree(app, source, revision, kubeVersion, refs, async () => ({
        dir: await this.artifactStore().fetch(source.repoURL, revision),
        release: () => {},
      }));
    // Leased: the sweep leaves a checkout alone while a render reads it.
    const tree = async () =>
      this.deps.git.leaseCheckout(source.repoURL, revision, await this.deps.credentialsFor(source.repoURL));
    const folder = (treeId: string) => this.folderCheckout(source, revision, treeId);
    return this.renderTree(app, source, revision, kubeVersion, refs, tree, folder);
  }

  /**
   * The app's folder alone (its tree written at its path), when the commit is not checked out
   * whole yet and few of its folders were: a push that changes one app of a monorepo writes that
   * app's files instead of the whole commit. Past a few folders of one commit (a cold start, a
   * push that changes many apps) one whole checkout serves them all for less. Undefined: use the
   * whole checkout.
   */
  private async folderCheckout(
    source: ResolvedSource,
    commit: string,
    treeId: string,
  ): Promise<CheckoutLease | undefined> {
    const creds = await this.deps.credentialsFor(source.repoURL);
    if (this.deps.git.hasCheckout(source.repoURL, commit, creds)) return undefined;
    const key = `${source.repoURL}\u0000${commit}`;
    const count = this.foldersOfCommit.get(key) ?? 0;
    if (count >= FOLDERS_BEFORE_WHOLE_CHECKOUT) return undefined;
    this.foldersOfCommit.delete(key);
    this.foldersOfCommit.set(key, count + 1);
    // Oldest first: a bounded memory of recent commits.
    if (this.foldersOfCommit.size > 256)
      this.foldersOfCommit.delete(this.foldersOfCommit.keys().next().value as string);
    return this.deps.git.leaseFolder(source.repoURL, source.path, treeId, creds);
  }

  private async renderTree(
    app: ResolvedApplication,
    source: ResolvedSource,
    commit: string,
    kubeVersion: string | undefined,
    refs: ValueRefs,
    tree: () => Promise<CheckoutLease>,
    folder?: (treeId: string) => Promise<CheckoutLease | undefined>,
  ): Promise<KubeObject[]> {
    const deps = this.deps;
    const { destination } = app.spec;
    const options = { directory: source.directory, kustomize: source.kustomize, helm: source.helm };
    const key = renderCacheKey({
      repoURL: source.repoURL,
      commit,
      path: source.path,
      source: options,
      appName: app.metadata.name,
      namespace: destination.namespace,
      kubeVersion,
      valueRefs: refIds(source, refs),
    });
    const allowed = async () => (await deps.projects?.fetchProject(app.spec.project))?.spec.sourceRepos ?? [];
    // A render that read only the path's own files is also kept under the path's tree id: a
    // commit that did not touch the path (most commits of a monorepo) renders nothing again.
    const treeId = await this.treeIdOf(source, commit);
    const byTree = treeId === undefined ? undefined : treeRenderKey(key, treeId);
    const reused = byTree ? deps.renderCache.get(byTree) : undefined;
    if (reused) return reused.objects as KubeObject[];
    let checked = false;
    const rendered = await cachedRender(deps.renderCache, key, async () => {
      checked = true;
      const render = async (repoDir: string) =>
        renderManifests({
          repoDir,
          path: source.path,
          source: options,
          appName: app.metadata.name,
          namespace: destination.namespace,
          kubeVersion,
          tools: deps.tools,
          remoteSources: await allowed(),
          valueRefs: refDirs(refs),
        });
      // The folder alone is enough when the render reads nothing outside it (plain manifests);
      // any other render (a Kustomize base one folder up, a chart, a link), or a failure that
      // the whole commit might not have, is done again from the whole checkout.
      const alone = treeId === undefined ? undefined : await folder?.(treeId);
      try {
        const plain =
          alone && (await detectRenderer(join(alone.dir, source.path || '.'), options)) === 'directory';
        const fromFolder = plain ? await render(alone.dir).catch(() => undefined) : undefined;
        if (fromFolder?.selfContained) return fromFolder;
      } finally {
        alone?.release();
      }
      const whole = await tree();
      try {
        return await render(whole.dir);
      } finally {
        whole.release();
      }
    });
    // A render cached under another project (or before the project changed) may have fetched
    // what the project no longer allows.
    if (!checked && rendered.remoteSources?.length)
      assertRemoteSourcesAllowed(rendered.remoteSources, await allowed());
    // Kept once, under the tree: the commit's entry would take a second place in the LRU.
    if (byTree && rendered.selfContained) {
      deps.renderCache.set(byTree, rendered);
      deps.renderCache.delete(key);
    }
    return rendered.objects as KubeObject[];
  }

  /** The tree id of the app's path at the commit (undefined: no such folder, or not a folder). */
  private async treeIdOf(source: ResolvedSource, commit: string): Promise<string | undefined> {
    try {
      const creds = await this.deps.credentialsFor(source.repoURL);
      return (await this.deps.git.treeIds(source.repoURL, commit, [source.path], creds)).get(source.path);
    } catch {
      // The render by commit says what is wrong (the commit's checkout fails the same way).
      return undefined;
    }
  }

  /** A chart from a chart repository or registry, cached by its digest (in the revision). */
  private async renderChart(
    app: ResolvedApplication,
    source: ResolvedSource,
    chart: string,
    revision: string,
    kubeVersion: string | undefined,
    refs: ValueRefs,
  ): Promise<KubeObject[]> {
    const { destination } = app.spec;
    const key = renderCacheKey({
      repoURL: `${source.repoURL}#${chart}`,
      commit: revision,
      path: '.',
      source: { helm: source.helm, allowEmpty: source.allowEmpty },
      appName: app.metadata.name,
      namespace: destination.namespace,
      kubeVersion,
      valueRefs: refIds(source, refs),
    });
    const rendered = await cachedRender(this.deps.renderCache, key, async () => {
      const fetched = await this.chartStore().fetch(source.repoURL, chart, revision);
      const objects = await renderHelmArchive({
        archive: fetched.path,
        label: `chart ${chart} ${revision}`,
        helm: source.helm,
        allowEmpty: source.allowEmpty === true,
        valueRefs: refDirs(refs),
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

/**
 * Documents of one multi-document SOPS file share its MAC; a renderer other than the directory
 * one (Kustomize, Helm) does not say which file an object came from, so the objects are named.
 */
function assertOneDocumentPerSopsFile(encrypted: readonly KubeObject[]): void {
  const byMac = new Map<string, string>();
  for (const obj of encrypted) {
    const mac = (obj as { sops?: { mac?: unknown } }).sops?.mac;
    if (typeof mac !== 'string') continue;
    const label = `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`;
    const first = byMac.get(mac);
    if (first !== undefined)
      throw new SopsError(
        `${first} and ${label} come from one SOPS-encrypted file of several documents; Tiphys decrypts one document per file (the MAC covers the whole file): encrypt each Secret in a file of its own`,
      );
    byMac.set(mac, label);
  }
}

/** The ref sources' checkouts by ref name, and what identifies each (repository@commit). */
type ValueRefs = Record<string, { dir: string; id: string }>;

/** What a source's render depends on of the refs: those its value files name, by identity. */
function refIds(source: ResolvedSource, refs: ValueRefs): Record<string, string> | undefined {
  const used: Record<string, string> = {};
  for (const file of source.helm?.valueFiles ?? []) {
    const ref = valueFileRef(file)?.ref;
    if (ref !== undefined && refs[ref]) used[ref] = refs[ref].id;
  }
  return Object.keys(used).length > 0 ? used : undefined;
}

function refDirs(refs: ValueRefs): Record<string, string> {
  return Object.fromEntries(Object.entries(refs).map(([name, ref]) => [name, ref.dir]));
}
